module.exports = {
  displayName: 'routing-data-access-quality',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
