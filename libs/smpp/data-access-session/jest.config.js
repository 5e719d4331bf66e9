module.exports = {
  displayName: 'smpp-data-access-session',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
