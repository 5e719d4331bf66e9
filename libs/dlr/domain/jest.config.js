module.exports = {
  displayName: 'dlr-domain',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
