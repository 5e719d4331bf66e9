module.exports = {
  displayName: 'shared-data-access-db',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
