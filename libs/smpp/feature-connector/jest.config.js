module.exports = {
  displayName: 'smpp-feature-connector',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
