module.exports = {
  displayName: 'smpp-domain',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
