module.exports = {
  displayName: 'accounts-data-access-store',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
