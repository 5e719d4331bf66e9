// Starts smsgw's apps as separate processes from their builds (dist/), each logging to its own
// file, and waits until each answers /healthz. Used by `npm start`, the end-to-end tests and the
// benchmark, so all three run the gateway the same way.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { ensureAdminToken, ensureDemoAccount, ensureDemoSmppCredential, ensureIntakeToken } = require('./local-accounts.cjs');

const ROOT = path.join(__dirname, '..');

/** The gateway's processes, in start order (the simulator first: the connector binds to it). */
function defaultApps(ports = {}) {
  const p = {
    simulatorSmpp: 2775,
    simulatorHttp: 8086,
    ingestHttp: 8081,
    ingestGrpc: 50051,
    ingestApi: 8080,
    encoderHttp: 8082,
    routerHttp: 8083,
    connectorHttp: 8084,
    dlrHttp: 8085,
    ingestApi: 8080,
    consoleHttp: 8088,
    console: 8089,
    emailHttp: 8087,
    emailSmtp: 2525,
    // Stacks that move the other ports (the end-to-end suites) move these too, beside them.
    smppServerHttp: ports.ingestHttp ? ports.ingestHttp + 9 : 8090,
    smppServer: ports.simulatorSmpp ? ports.simulatorSmpp + 1 : 2776,
    ...ports,
  };
  return [
    { name: 'smsc-simulator', httpPort: p.simulatorHttp, env: { SIMULATOR_HTTP_PORT: p.simulatorHttp, SIMULATOR_SMPP_PORT: p.simulatorSmpp }, note: `smpp :${p.simulatorSmpp}` },
    { name: 'dlr-processor', httpPort: p.dlrHttp, env: { DLR_HTTP_PORT: p.dlrHttp } },
    { name: 'encoder', httpPort: p.encoderHttp, env: { ENCODER_HTTP_PORT: p.encoderHttp } },
    { name: 'router', httpPort: p.routerHttp, env: { ROUTER_HTTP_PORT: p.routerHttp } },
    { name: 'smpp-connector', httpPort: p.connectorHttp, env: { CONNECTOR_HTTP_PORT: p.connectorHttp, CARRIER_ID: 'demo' }, note: 'carrier demo' },
    { name: 'ingest', httpPort: p.ingestHttp, grpcPort: p.ingestGrpc, apiPort: p.ingestApi, env: { INGEST_HTTP_PORT: p.ingestHttp, INGEST_GRPC_PORT: p.ingestGrpc, INGEST_API_PORT: p.ingestApi, INGEST_ALLOW_PLAINTEXT: 'true' }, note: `grpc :${p.ingestGrpc}  api http://127.0.0.1:${p.ingestApi}/v1` },
    // The web console: its page, and /v1/* passed on to ingest's HTTP API.
    { name: 'console', httpPort: p.consoleHttp, webPort: p.console, env: { CONSOLE_HTTP_PORT: p.consoleHttp, CONSOLE_PORT: p.console, CONSOLE_API_URL: `http://127.0.0.1:${p.ingestApi}` }, note: `web console http://127.0.0.1:${p.console}/` },
    // Local stacks have no certificate: AUTH without STARTTLS, so the SMTP port listens on loopback only.
    {
      name: 'email-intake',
      httpPort: p.emailHttp,
      smtpPort: p.emailSmtp,
      env: { EMAIL_HTTP_PORT: p.emailHttp, EMAIL_SMTP_PORT: p.emailSmtp, EMAIL_SMTP_HOST: '127.0.0.1', EMAIL_ALLOW_INSECURE_AUTH: 'true', EMAIL_INGEST_TARGET: `127.0.0.1:${p.ingestGrpc}` },
      note: `smtp 127.0.0.1:${p.emailSmtp} (AUTH without TLS: loopback only)`,
    },
    // Customers' ESMEs bind here with the account's SMPP credentials (demo: .smsgw/demo-smpp).
    {
      name: 'smpp-server',
      httpPort: p.smppServerHttp,
      smppPort: p.smppServer,
      env: { SMPP_SERVER_HTTP_PORT: p.smppServerHttp, SMPP_SERVER_PORT: p.smppServer, SMPP_SERVER_INGEST_TARGET: `127.0.0.1:${p.ingestGrpc}` },
      note: `smpp :${p.smppServer} (customers' ESMEs)`,
    },
  ];
}

// Stacks that share a lock name run one at a time: npm start and the benchmark use the default
// ports and topic names, the end-to-end suites share the machine's two cores. The lock names its
// owner; a dead owner's lock is taken over.
const lockPath = (name) => path.join(ROOT, `.smsgw/stack-${name}.lock`);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function acquireLock(LOCK, waitMs, what) {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.writeFileSync(LOCK, JSON.stringify({ pid: process.pid, what, since: new Date().toISOString() }), { flag: 'wx' });
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let owner = {};
    try {
      owner = JSON.parse(fs.readFileSync(LOCK, 'utf8'));
    } catch {
      /* being written or removed */
    }
    if (owner.pid && !alive(owner.pid)) {
      fs.rmSync(LOCK, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another smsgw stack is running (${owner.what ?? 'unknown'}, pid ${owner.pid ?? '?'}, since ${owner.since ?? '?'}): stop it first; both would use the same ports and topics`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function releaseLock(LOCK) {
  try {
    if (JSON.parse(fs.readFileSync(LOCK, 'utf8')).pid === process.pid) fs.rmSync(LOCK, { force: true });
  } catch {
    /* already gone */
  }
}

function entryPoint(name) {
  return path.join(ROOT, 'dist/apps', name, 'apps', name, 'src/main.js');
}

async function waitHealthy(app, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${app.name} exited (${child.signalCode ?? `code ${child.exitCode}`}) during start; see ${app.logFile}`);
    try {
      const res = await fetch(`http://127.0.0.1:${app.httpPort}/healthz`);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${app.name} not healthy after ${timeoutMs / 1000}s (${last}); see ${app.logFile}`);
}

/**
 * Starts the apps; resolves once all are healthy. Returns { apps, stop() }.
 * options: { env, logDir, ports, apps (names to start, default all), timeoutMs, onStarted(app),
 *            lockName (stacks with one name run one at a time; default 'default'), lockWaitMs (wait
 *            for the other to stop; default 0: fail at once), what (lock owner label),
 *            stateDir (the admin token and the demo account's key file; default .smsgw), log(line),
 *            restart (start an app that exits again, with back-off; default true: see superviseApp),
 *            onRestart(line, app) (default: the line on stderr) }
 * With ingest, also { apiKey (of account "demo", for SmsService calls), adminTokenFile }; with the
 * SMPP server too, smppCredential ({ systemId, password } of account "demo").
 */
async function startStack(options = {}) {
  const logDir = options.logDir ?? path.join(ROOT, '.smsgw/logs');
  fs.mkdirSync(logDir, { recursive: true });
  const only = options.apps;
  const apps = defaultApps(options.ports).filter((a) => !only || only.includes(a.name));
  const lock = lockPath(options.lockName ?? 'default');
  await acquireLock(lock, options.lockWaitMs ?? 0, options.what ?? `stack of ${process.argv.slice(1).join(' ')}`);
  const running = [];
  const withIngest = apps.some((a) => a.name === 'ingest');
  const adminTokenFile = withIngest ? ensureAdminToken(options.stateDir) : undefined;
  const intakeTokenFile = ensureIntakeToken(options.stateDir);
  let stopping = false;
  const stop = async () => {
    stopping = true;
    running.forEach((r) => clearTimeout(r.restartTimer));
    await Promise.all(
      running.map(
        ({ child }) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => (clearTimeout(kill), resolve()));
            child.kill('SIGTERM');
          }),
      ),
    );
    releaseLock(lock);
  };
  try {
    for (const app of apps) {
      const main = entryPoint(app.name);
      if (!fs.existsSync(main)) throw new Error(`${app.name} is not built (${path.relative(ROOT, main)} missing): run npx nx run-many -t build`);
      app.logFile = path.join(logDir, `${app.name}.log`);
      const own =
        app.name === 'ingest'
          ? { ...app.env, INGEST_ADMIN_TOKEN_FILE: adminTokenFile, INGEST_INTAKE_TOKEN_FILE: intakeTokenFile }
          : app.name === 'smpp-server'
            ? { ...app.env, SMPP_SERVER_INTAKE_TOKEN_FILE: intakeTokenFile }
            : app.env;
      const env = { ...process.env, ...stringify(options.env), ...stringify(own), ...stringify(options.appEnv?.[app.name]) };
      const launch = () => {
        const log = fs.openSync(app.logFile, 'a');
        const child = spawn(process.execPath, [...(options.nodeArgs?.[app.name] ?? []), main], { cwd: ROOT, env, stdio: ['ignore', log, log] });
        fs.closeSync(log);
        app.pid = child.pid;
        return child;
      };
      const entry = { app, child: launch() };
      running.push(entry);
      const started = Date.now();
      await waitHealthy(app, entry.child, options.timeoutMs ?? 60_000);
      options.onStarted?.(app, Date.now() - started);
      if (options.restart !== false) superviseApp(entry, launch, () => stopping, options.onRestart ?? ((line) => console.error(line)));
    }
    const ingest = apps.find((a) => a.name === 'ingest');
    const apiKey = ingest ? await ensureDemoAccount({ target: `127.0.0.1:${ingest.grpcPort}`, stateDir: options.stateDir, log: options.log }) : undefined;
    const smppCredential = ingest && apps.some((a) => a.name === 'smpp-server') ? await ensureDemoSmppCredential({ target: `127.0.0.1:${ingest.grpcPort}`, stateDir: options.stateDir, log: options.log }) : undefined;
    return { apps, processes: running, stop, apiKey, adminTokenFile, smppCredential };
  } catch (err) {
    await stop();
    throw err;
  }
}

const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 30_000;
const RESTART_RESET_AFTER_MS = 60_000;

/**
 * Starts an app again when it exits while the stack runs: after 1 s, then 2 s, 4 s… up to 30 s;
 * back to 1 s once it has been healthy for a minute. One line per exit says which app, how, when it
 * starts again and where its log is. entry.child always holds the current process.
 */
function superviseApp(entry, launch, stopping, report) {
  const { app } = entry;
  let delayMs = RESTART_FIRST_MS;
  let healthySince = Date.now();
  const watch = (child) =>
    child.once('exit', (code, signal) => {
      if (stopping()) return;
      if (healthySince !== undefined && Date.now() - healthySince >= RESTART_RESET_AFTER_MS) delayMs = RESTART_FIRST_MS;
      const log = path.relative(process.cwd(), app.logFile) || app.logFile;
      report(`${app.name} exited (${signal ? `signal ${signal}` : `code ${code}`}); starting it again in ${delayMs / 1000} s; log ${log}`, app);
      entry.restartTimer = setTimeout(() => {
        if (stopping()) return;
        healthySince = undefined;
        entry.child = launch();
        watch(entry.child);
        waitHealthy(app, entry.child, 10 * 60_000).then(
          () => (healthySince = Date.now()),
          () => undefined, // exited again (its exit handler reports it) or still failing
        );
      }, delayMs);
      delayMs = Math.min(delayMs * 2, RESTART_MAX_MS);
    });
  watch(entry.child);
}

function stringify(env = {}) {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

module.exports = { startStack, defaultApps, entryPoint, ROOT };
