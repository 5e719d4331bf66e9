module.exports = {
  displayName: 'shared-data-access-kafka',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
