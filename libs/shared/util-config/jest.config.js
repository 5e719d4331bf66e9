module.exports = {
  displayName: 'shared-util-config',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
