module.exports = {
  displayName: 'smpp-server',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
