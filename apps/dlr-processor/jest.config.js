module.exports = {
  displayName: 'dlr-processor',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
