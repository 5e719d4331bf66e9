module.exports = {
  displayName: 'gsm-util-encoding',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
