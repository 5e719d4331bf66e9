module.exports = {
  displayName: 'smpp-util-wire',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
