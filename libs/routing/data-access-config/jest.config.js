module.exports = {
  displayName: 'routing-data-access-config',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
