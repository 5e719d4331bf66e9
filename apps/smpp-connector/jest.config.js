module.exports = {
  displayName: 'smpp-connector',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
