module.exports = {
  displayName: 'shared-feature-ops',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
