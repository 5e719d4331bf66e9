module.exports = {
  displayName: 'twoway-domain',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
