#!/usr/bin/env node
// The machine's own tools that the tests and benchmarks use (Debian packages), installed when
// missing so that `npm test` alone prepares a fresh machine. Without root or sudo nothing is
// installed: one line says what is missing and the command that installs it, before any test runs.
//   node tools/ensure-system-tools.mjs test        promtool + prometheus (apps/ops-e2e), chromium (the console's browser test), Kannel (the SMPP server's e2e)
//   node tools/ensure-system-tools.mjs bench:peer  Kannel (bearerbox, smsbox) for npm run bench:peer
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** What each purpose needs: a command on PATH (or an absolute path) and the Debian package with it. */
export const SYSTEM_TOOLS = {
  test: [
    { command: 'promtool', debianPackage: 'prometheus', usedBy: 'the alert-rule and metrics checks (apps/ops-e2e)' },
    { command: 'prometheus', debianPackage: 'prometheus', usedBy: 'the observability end-to-end test (apps/ops-e2e)' },
    { command: 'chromium', alternatives: ['/usr/bin/chromium'], debianPackage: 'chromium', usedBy: 'the web console in a real browser (apps/gateway-e2e, playwright-core)' },
    { command: 'bearerbox', alternatives: ['/usr/sbin/bearerbox'], debianPackage: 'kannel', usedBy: 'Kannel binding to the SMPP server (apps/gateway-e2e smpp-server)' },
    { command: 'smsbox', alternatives: ['/usr/sbin/smsbox'], debianPackage: 'kannel', usedBy: 'Kannel binding to the SMPP server (apps/gateway-e2e smpp-server)' },
    // Not in Debian's archive: named, never installed here.
    { command: 'kubectl', orCommand: 'kustomize', usedBy: 'rendering the Kubernetes overlays (apps/ops-e2e)', installHint: 'install kubectl (it has kustomize built in) or kustomize' },
  ],
  'bench:peer': [
    { command: 'bearerbox', alternatives: ['/usr/sbin/bearerbox'], debianPackage: 'kannel', usedBy: 'npm run bench:peer (Kannel side by side)' },
    { command: 'smsbox', alternatives: ['/usr/sbin/smsbox'], debianPackage: 'kannel', usedBy: 'npm run bench:peer (Kannel side by side)' },
  ],
};

/** The path of a tool, or undefined. */
export function findTool(tool) {
  for (const candidate of tool.alternatives ?? []) if (existsSync(candidate)) return candidate;
  for (const command of [tool.command, tool.orCommand].filter(Boolean)) {
    const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.trim();
  }
  return undefined;
}

function canInstall() {
  if (!existsSync('/usr/bin/apt-get')) return { ok: false, why: 'this machine has no apt-get' };
  if (process.getuid?.() === 0) return { ok: true, sudo: [] };
  const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  if (sudo.status === 0) return { ok: true, sudo: ['sudo', '-n'] };
  return { ok: false, why: 'installing needs root or password-less sudo' };
}

function run(argv, env) {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, ...env } });
  return { ok: r.status === 0, stderr: (r.stderr ?? '').trim().split('\n').slice(-3).join(' / ') };
}

/**
 * Installs the Debian packages of `tools` that are missing. A policy-rc.d keeps package scripts
 * from starting system services (a Prometheus on :9090, a Kannel bearerbox): the tests start their own.
 * Resolves to { installed: [...packages] }; throws an Error whose message is one actionable line.
 */
export function ensureSystemTools(tools, { log = console.log } = {}) {
  const missing = tools.filter((t) => !findTool(t));
  const notInstallable = missing.filter((t) => !t.debianPackage);
  if (notInstallable.length) throw new Error(`missing ${notInstallable.map((t) => `${t.command} (for ${t.usedBy}): ${t.installHint}`).join('; ')}`);
  const packages = [...new Set(missing.map((t) => t.debianPackage))];
  if (!packages.length) return { installed: [] };
  const what = missing.map((t) => `${t.command} (for ${t.usedBy})`).join(', ');
  const installCommand = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  const can = canInstall();
  if (!can.ok) throw new Error(`missing ${what}; ${can.why}: run "sudo ${installCommand}" and try again`);

  log(`system   installing Debian packages ${packages.join(', ')} (missing ${missing.map((t) => t.command).join(', ')})`);
  const policy = '/usr/sbin/policy-rc.d';
  const addedPolicy = !existsSync(policy) && can.sudo.length === 0;
  if (addedPolicy) {
    writeFileSync(policy, '#!/bin/sh\nexit 101\n');
    chmodSync(policy, 0o755);
  }
  try {
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    const install = [...can.sudo, 'apt-get', 'install', '-y', '--no-install-recommends', ...packages];
    let result = run(install, env);
    if (!result.ok) {
      // A fresh machine's package lists may be empty or stale.
      const update = run([...can.sudo, 'apt-get', 'update', '-qq'], env);
      if (!update.ok) throw new Error(`apt-get update failed (${update.stderr}); run "sudo apt-get update && sudo ${installCommand}"`);
      result = run(install, env);
    }
    if (!result.ok) throw new Error(`"${installCommand}" failed (${result.stderr}); install ${packages.join(', ')} by hand and try again`);
  } finally {
    if (addedPolicy) rmSync(policy, { force: true });
  }
  // With systemd as init a unit may have been enabled and started anyway.
  if (existsSync('/run/systemd/system')) for (const unit of ['prometheus', 'kannel']) run([...can.sudo, 'systemctl', 'disable', '--now', unit]);
  const still = missing.filter((t) => !findTool(t));
  if (still.length) throw new Error(`installed ${packages.join(', ')} but ${still.map((t) => t.command).join(', ')} is still not found`);
  return { installed: packages };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const purpose = process.argv[2] ?? 'test';
  const tools = SYSTEM_TOOLS[purpose];
  if (!tools) {
    console.error(`ensure-system-tools: unknown purpose "${purpose}"; one of ${Object.keys(SYSTEM_TOOLS).join(', ')}`);
    process.exit(2);
  }
  try {
    ensureSystemTools(tools);
  } catch (err) {
    console.error(`ensure-system-tools: ${err.message}`);
    process.exit(1);
  }
}
