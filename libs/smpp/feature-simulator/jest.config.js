module.exports = {
  displayName: 'smpp-feature-simulator',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
