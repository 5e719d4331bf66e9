module.exports = {
  displayName: 'gateway-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['**/*.e2e-spec.ts'],
};
