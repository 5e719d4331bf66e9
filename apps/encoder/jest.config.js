module.exports = {
  displayName: 'encoder',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
