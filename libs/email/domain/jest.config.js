module.exports = {
  displayName: 'email-domain',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
