module.exports = {
  displayName: 'status-data-access-store',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
