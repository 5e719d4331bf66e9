// The local stack's credentials, in one place for npm start, the end-to-end tests and the
// benchmarks (all through tools/stack.cjs): an admin token file for ingest (created once, mode
// 0600) and a "demo" account whose API key is kept in a file (0600) that the CLI reads by itself.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const DEFAULT_STATE_DIR = path.join(ROOT, '.smsgw');
const shown = (file) => (file.startsWith(ROOT + '/') ? path.relative(ROOT, file) : file);
const files = (stateDir = DEFAULT_STATE_DIR) => ({
  adminTokenFile: path.join(stateDir, 'admin-token'),
  apiKeyFile: path.join(stateDir, 'demo-api-key'),
  intakeTokenFile: path.join(stateDir, 'intake-token'),
  smppCredentialFile: path.join(stateDir, 'demo-smpp'),
});

function writeSecret(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, value + '\n', { mode: 0o600 });
  fs.chmodSync(file, 0o600); // an existing file keeps its mode on write
}

/** The admin token file ingest reads (INGEST_ADMIN_TOKEN_FILE); created with a random token if missing. */
function ensureAdminToken(stateDir) {
  const { adminTokenFile } = files(stateDir);
  if (!fs.existsSync(adminTokenFile)) writeSecret(adminTokenFile, crypto.randomBytes(32).toString('base64url'));
  return adminTokenFile;
}

/** The intake token file ingest and the SMPP server share (INGEST_INTAKE_TOKEN_FILE); created if missing. */
function ensureIntakeToken(stateDir) {
  const { intakeTokenFile } = files(stateDir);
  if (!fs.existsSync(intakeTokenFile)) writeSecret(intakeTokenFile, crypto.randomBytes(32).toString('base64url'));
  return intakeTokenFile;
}

/**
 * The demo account's SMPP credential ({ systemId, password }, kept in the state dir's demo-smpp
 * file, 0600): the stored one while the gateway still has it active, else a new one (system_id
 * "demo", or "demo" and digits when that is taken). The password is shown once by the gateway.
 */
async function ensureDemoSmppCredential({ target, stateDir, name = 'demo', log = () => undefined }) {
  const { adminTokenFile, smppCredentialFile } = files(stateDir);
  const admin = adminClient(target, fs.readFileSync(adminTokenFile, 'utf8').trim());
  try {
    let stored;
    try {
      stored = JSON.parse(fs.readFileSync(smppCredentialFile, 'utf8'));
    } catch {
      stored = undefined;
    }
    const { credentials } = await admin.call('listSmppCredentials', { account: name });
    if (stored && credentials.some((c) => c.systemId === stored.systemId && !Number(c.revokedAtMs))) return stored;
    const ALREADY_EXISTS = 6;
    for (const systemId of [name, `${name}${crypto.randomInt(10000, 99999)}`]) {
      const created = await admin.call('createSmppCredential', { account: name, systemId }).catch((err) => (err.code === ALREADY_EXISTS ? undefined : Promise.reject(err)));
      if (!created) continue;
      const credential = { systemId: created.credential.systemId, password: created.password };
      writeSecret(smppCredentialFile, JSON.stringify(credential));
      log(`account ${name}: SMPP credential ${credential.systemId} in ${shown(smppCredentialFile)}`);
      return credential;
    }
    throw new Error(`could not create an SMPP credential for account ${name}`);
  } finally {
    admin.close();
  }
}

/** The demo key of a local stack, or undefined (no stack started from this checkout yet). */
function localApiKey(stateDir) {
  try {
    return fs.readFileSync(files(stateDir).apiKeyFile, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function adminClient(target, token) {
  const { Metadata, credentials, loadPackageDefinition } = require('@grpc/grpc-js');
  const { loadSync } = require('@grpc/proto-loader');
  const definition = loadSync('sms/v1/admin_service.proto', { includeDirs: [path.join(ROOT, 'proto')], keepCase: false, longs: Number, defaults: true, oneofs: true });
  const client = new (loadPackageDefinition(definition).sms.v1.AdminService)(target, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const call = (method, req) =>
    new Promise((resolve, reject) => client[method](req, metadata, { deadline: new Date(Date.now() + 10_000) }, (err, res) => (err ? reject(err) : resolve(res))));
  return { call, close: () => client.close() };
}

/**
 * The demo account's policy, set on every start: any sender and country, status callbacks over
 * plain http to loopback and private addresses — the quick start's and the end-to-end tests'
 * receivers listen on http://127.0.0.1 — a rate the benchmarks never reach (100,000/s), and no
 * SMS-pumping check (a benchmark sends to one country far above any usual rate). Its default
 * sender SMSGW serves mails to the SMTP intake that name none. Other accounts get https to public
 * addresses only, 100/s, pumping protection ("refuse") and no default sender.
 */
const DEMO_POLICY = { senders: [], countries: [], allowedNumberTypes: [], callbackHttp: true, callbackPrivate: true, ratePerSecond: 100_000, rateBurst: 200_000, pumpingMode: 'off', pumpingMinPerMinute: 1000, pumpingFactor: 10, defaultSender: 'SMSGW', emailSenders: [], emailReports: false };

/**
 * Makes sure account `name` exists, is enabled, has DEMO_POLICY and a working key in the state
 * dir's key file (a new key when the file is missing or names a key the account no longer has).
 * Returns the key.
 */
async function ensureDemoAccount({ target, stateDir, name = 'demo', log = () => undefined }) {
  const { adminTokenFile } = files(stateDir);
  const admin = adminClient(target, fs.readFileSync(adminTokenFile, 'utf8').trim());
  try {
    const apiKey = await ensureAccountKey(admin, { stateDir, name, log });
    await admin.call('setAccountPolicy', { account: name, policy: DEMO_POLICY });
    return apiKey;
  } finally {
    admin.close();
  }
}

async function ensureAccountKey(admin, { stateDir, name, log }) {
  const { apiKeyFile } = files(stateDir);
  const NOT_FOUND = 5;
  const ALREADY_EXISTS = 6;
  let details = await admin.call('getAccount', { account: name }).catch((err) => (err.code === NOT_FOUND ? undefined : Promise.reject(err)));
  if (!details) {
    const created = await admin.call('createAccount', { name }).catch((err) => (err.code === ALREADY_EXISTS ? undefined : Promise.reject(err)));
    if (created) {
      writeSecret(apiKeyFile, created.apiKey);
      log(`account ${name} created (${created.account.id}); its API key is in ${shown(apiKeyFile)}`);
      return created.apiKey;
    }
    details = await admin.call('getAccount', { account: name }); // created by a concurrent start
  }
  if (!details.account.enabled) {
    await admin.call('setAccountEnabled', { account: name, enabled: true });
    log(`account ${name} was disabled: enabled again`);
  }
  const current = localApiKey(stateDir);
  const keyId = current?.split('_')[1];
  if (current && details.keys.some((k) => k.keyId === keyId && !Number(k.revokedAtMs))) return current;
  const fresh = await admin.call('createApiKey', { account: name });
  writeSecret(apiKeyFile, fresh.apiKey);
  log(`account ${name}: new API key ${fresh.key.keyId} in ${shown(apiKeyFile)}`);
  return fresh.apiKey;
}

module.exports = { ensureAdminToken, ensureIntakeToken, ensureDemoAccount, ensureDemoSmppCredential, localApiKey, localAccountFiles: files };
