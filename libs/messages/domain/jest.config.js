module.exports = {
  displayName: 'messages-domain',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
