module.exports = {
  displayName: 'shared-util-logging',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
