// Operations checks: static (*.spec.ts: rules, dashboards, manifests, compose) and end to end
// (*.e2e-spec.ts: the gateway scraped by a real Prometheus). Needs promtool and prometheus
// (npm test installs them: tools/ensure-system-tools.mjs) and kustomize or kubectl.
module.exports = {
  displayName: 'ops-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
};
