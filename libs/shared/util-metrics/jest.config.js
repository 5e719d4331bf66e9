module.exports = {
  displayName: 'shared-util-metrics',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
