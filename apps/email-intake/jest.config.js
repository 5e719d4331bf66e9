module.exports = {
  displayName: 'email-intake',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
