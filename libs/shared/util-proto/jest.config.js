module.exports = {
  displayName: 'shared-util-proto',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
