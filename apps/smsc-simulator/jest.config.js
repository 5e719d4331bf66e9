module.exports = {
  displayName: 'smsc-simulator',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
