module.exports = {
  displayName: 'carriers-util-config',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
