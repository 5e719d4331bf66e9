module.exports = {
  displayName: 'accounts-data-access-rate-limit',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
