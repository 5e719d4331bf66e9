module.exports = {
  displayName: 'routing-domain',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
