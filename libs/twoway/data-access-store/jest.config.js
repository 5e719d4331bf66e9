module.exports = {
  displayName: 'twoway-data-access-store',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
