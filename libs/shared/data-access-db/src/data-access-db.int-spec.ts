// Runs the migrations against the real PostgreSQL of DATABASE_URL (npm test exports it), in
// throwaway databases created and dropped here, so the developer's data is never touched.
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type Pool } from 'pg';
import {
  createPool,
  databaseUrlWithName,
  DatabaseUnreachableError,
  ensureDatabase,
  loadMigrations,
  migrate,
  MigrationChecksumError,
  migrationStatus,
  MIGRATIONS_DIR,
  pingDatabase,
  quoteIdentifier,
} from './index';

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
const created: string[] = [];
const throwaway = (label: string) => {
  const name = `smsgw_it_${label}_${process.pid}_${Date.now().toString(36)}`;
  created.push(name);
  return databaseUrlWithName(serverUrl, name);
};

afterAll(async () => {
  const admin = new Client({ connectionString: databaseUrlWithName(serverUrl, 'postgres') });
  await admin.connect();
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
  await admin.end();
});

describe('status store migrations on a real database', () => {
  const url = throwaway('schema');
  let pool: Pool;

  beforeAll(async () => {
    expect(await ensureDatabase(url)).toEqual({ database: created[0], created: true });
    pool = createPool(url);
  });
  afterAll(() => pool?.end());

  it('creates the database once', async () => {
    expect((await ensureDatabase(url)).created).toBe(false);
  });

  it('applies every migration, then nothing', async () => {
    const files = loadMigrations().map((m) => m.file);
    const first = await migrate(pool);
    expect(first.applied.map((m) => m.file)).toEqual(files);
    expect(first.alreadyApplied).toBe(0);
    const second = await migrate(url);
    expect(second).toEqual({ applied: [], alreadyApplied: files.length, unknown: [] });
    const status = await migrationStatus(pool);
    expect(status.pending).toEqual([]);
    expect(status.applied.map((a) => a.version)).toEqual(loadMigrations().map((m) => m.version));
  });

  it('has the status store schema', async () => {
    const { rows } = await pool.query(`
      SELECT table_name, column_name, data_type, is_nullable, column_default
      FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
      ORDER BY table_name, ordinal_position`);
    const tables: Record<string, string[]> = {};
    for (const r of rows) {
      const nullable = r.is_nullable === 'YES' ? ' null' : '';
      const fallback = r.column_default ? ` = ${String(r.column_default).replace(/::[a-z ]+$/, '')}` : '';
      (tables[r.table_name] ??= []).push(`${r.column_name} ${r.data_type}${nullable}${fallback}`);
    }
    expect(tables).toEqual({
      messages: [
        'id text',
        'status smallint',
        'status_rank smallint',
        'to_number text',
        'sender text',
        "client_reference text = ''",
        'encoding smallint = 0',
        'segment_count integer = 0',
        'segments_delivered integer = 0',
        "carrier_id text = ''",
        "reason_code text = ''",
        "reason text = ''",
        "metadata jsonb = '{}'",
        'accepted_at timestamp with time zone',
        'submitted_at timestamp with time zone null',
        'completed_at timestamp with time zone null',
        'updated_at timestamp with time zone = now()',
        'released_at timestamp with time zone null',
        "callback_url text = ''",
        "client_id text = ''",
        'validity_seconds integer = 0',
        "route_rule_id text = ''",
        'price_per_segment_micros bigint = 0',
        'price_total_micros bigint = 0',
        "price_currency text = ''",
        'route_attempt integer = 0',
      ],
      segments: [
        'message_id text',
        'segment_index integer',
        "carrier_id text = ''",
        "smsc_message_id text = ''",
        'status smallint',
        'status_rank smallint',
        "receipt_stat text = ''",
        "receipt_err text = ''",
        'submitted_at timestamp with time zone null',
        'completed_at timestamp with time zone null',
        'updated_at timestamp with time zone = now()',
      ],
      receipt_correlation: [
        'carrier_id text',
        'smsc_message_id text',
        'message_id text null',
        'segment_index integer null',
        'receipt_stat text null',
        'receipt_err text null',
        'receipt_done_at timestamp with time zone null',
        'created_at timestamp with time zone = now()',
        'submitted_at timestamp with time zone null',
        'receipt_received_at timestamp with time zone null',
        'unmatched_at timestamp with time zone null',
      ],
      account_policies: [
        'account_id text',
        "senders ARRAY = '{}'::text[]",
        "countries ARRAY = '{}'::text[]",
        "allowed_number_types ARRAY = '{}'::text[]",
        'callback_http boolean = false',
        'callback_private boolean = false',
        'rate_per_second integer = 100',
        'rate_burst integer = 200',
        'updated_at timestamp with time zone = now()',
        "default_sender text = ''",
        "email_senders ARRAY = '{}'::text[]",
        'email_reports boolean = false',
        "pumping_mode text = 'refuse'",
        'pumping_min_per_minute integer = 1000',
        'pumping_factor double precision = 10',
      ],
      account_balances: ['account_id text', 'currency text', 'balance_micros bigint = 0', 'credit_limit_micros bigint = 0', 'reserved_micros bigint = 0', 'updated_at timestamp with time zone = now()'],
      account_ledger: [
        "id bigint = nextval('account_ledger_id_seq'::regclass)",
        'account_id text',
        'kind text',
        "message_id text = ''",
        'amount_micros bigint',
        'charged_micros bigint = 0',
        'currency text',
        "note text = ''",
        'created_at timestamp with time zone = now()',
      ],
      accounts: ['id text = (gen_random_uuid())', 'name text', 'enabled boolean = true', 'created_at timestamp with time zone = now()'],
      api_keys: ['id text', 'account_id text', 'secret_hash bytea', 'created_at timestamp with time zone = now()', 'revoked_at timestamp with time zone null', 'last_used_at timestamp with time zone null'],
      idempotency_keys: ["client_id text = ''", 'idempotency_key text', 'message_id text', 'created_at timestamp with time zone = now()', 'reply jsonb null', "source text = ''"],
      rate_cards: ['carrier_id text', 'version integer', 'currency text', 'effective_at timestamp with time zone', 'imported_at timestamp with time zone = now()', 'entry_count integer'],
      rate_card_entries: ['carrier_id text', 'version integer', "prefix text = ''", "country text = ''", "network text = ''", 'price_micros bigint'],
      scheduled_messages: ['message_id text', 'send_at timestamp with time zone', 'state text', 'accepted bytea null', 'updated_at timestamp with time zone = now()', "account_id text = ''", "country text = ''", 'accepted_at timestamp with time zone null'],
      inbound_numbers: ['number text', "keyword text = ''", 'account_id text', 'created_at timestamp with time zone = now()'],
      account_inbound_settings: ['account_id text', "webhook_url text = ''", "optout_scope text = 'account'", "stop_reply text = ''", "start_reply text = ''", "help_reply text = ''", 'updated_at timestamp with time zone = now()'],
      suppressions: ['account_id text', 'msisdn text', "sender text = ''", 'source text', 'created_at timestamp with time zone = now()'],
      routing_config_versions: [
        'name text',
        'version integer',
        'routes_yaml text',
        'rate_card_pins jsonb',
        'content_sha256 text',
        'action text',
        'source_version integer = 0',
        "created_by text = ''",
        "comment text = ''",
        'created_at timestamp with time zone = now()',
      ],
      sender_assignments: ['account_id text', 'msisdn text', 'number text', 'assigned_at timestamp with time zone = now()'],
      smpp_credentials: ['system_id text', 'account_id text', 'password_hash text', 'created_at timestamp with time zone = now()', 'revoked_at timestamp with time zone null'],
      smpp_deliveries: [
        "id bigint = nextval('smpp_deliveries_id_seq'::regclass)",
        'account_id text',
        'kind text',
        'message_id text',
        'source_addr text',
        'source_ton smallint = 0',
        'source_npi smallint = 0',
        'destination_addr text',
        'status smallint = 0',
        "error_code text = ''",
        "text text = ''",
        'submitted_at timestamp with time zone = now()',
        'done_at timestamp with time zone = now()',
        'created_at timestamp with time zone = now()',
        'claimed_until timestamp with time zone null',
        'attempts integer = 0',
      ],
      smpp_submissions: [
        'message_id text',
        'account_id text',
        'system_id text',
        'registered_delivery smallint',
        'source_addr text',
        'source_ton smallint = 0',
        'source_npi smallint = 0',
        'destination_addr text',
        'submitted_at timestamp with time zone = now()',
      ],
      suppression_audit: [
        "id bigint = nextval('suppression_audit_id_seq'::regclass)",
        'account_id text',
        'msisdn text',
        "sender text = ''",
        'action text',
        'source text',
        "keyword text = ''",
        'inbound_id text null',
        'at timestamp with time zone = now()',
      ],
      inbound_messages: [
        'id text',
        "seq bigint = nextval('inbound_messages_seq_seq'::regclass)",
        'account_id text',
        "carrier_id text = ''",
        'from_number text',
        'to_number text',
        'text text',
        'action smallint = 0',
        "keyword text = ''",
        "related_message_id text = ''",
        "auto_reply_message_id text = ''",
        'received_at timestamp with time zone',
        'routed_at timestamp with time zone = now()',
      ],
      unmatched_receipts: [
        "id bigint = nextval('unmatched_receipts_id_seq'::regclass)",
        'carrier_id text',
        "smsc_message_id text = ''",
        'reason text',
        'detail text',
        "stat_word text = ''",
        'received_at timestamp with time zone',
        'source text',
        'created_at timestamp with time zone = now()',
      ],
    });
  });

  it('has the primary keys and the pending-messages index', async () => {
    const { rows: keys } = await pool.query(`
      SELECT tc.table_name, string_agg(kcu.column_name, ',' ORDER BY kcu.ordinal_position) AS columns
      FROM information_schema.table_constraints tc
      JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
      WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public'
      GROUP BY tc.table_name ORDER BY tc.table_name`);
    expect(Object.fromEntries(keys.map((k) => [k.table_name, k.columns]))).toEqual({
      account_balances: 'account_id',
      account_ledger: 'id',
      account_policies: 'account_id',
      accounts: 'id',
      api_keys: 'id',
      idempotency_keys: 'client_id,idempotency_key',
      account_inbound_settings: 'account_id',
      inbound_messages: 'id',
      inbound_numbers: 'number,keyword',
      suppression_audit: 'id',
      suppressions: 'account_id,msisdn,sender',
      sender_assignments: 'account_id,msisdn',
      smpp_credentials: 'system_id',
      smpp_deliveries: 'id',
      smpp_submissions: 'message_id',
      messages: 'id',
      rate_cards: 'carrier_id,version',
      receipt_correlation: 'carrier_id,smsc_message_id',
      routing_config_versions: 'name,version',
      scheduled_messages: 'message_id',
      schema_migrations: 'version',
      segments: 'message_id,segment_index',
      unmatched_receipts: 'id',
    });
    const { rows: indexes } = await pool.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'messages_pending_idx'`);
    expect(indexes[0]?.indexdef).toMatch(/\(status, accepted_at\) WHERE \(completed_at IS NULL\)/);
  });

  it('lets a submit and its receipt meet in receipt_correlation in either order', async () => {
    const upsertSubmit = `INSERT INTO receipt_correlation (carrier_id, smsc_message_id, message_id, segment_index) VALUES ($1, $2, $3, $4)
      ON CONFLICT (carrier_id, smsc_message_id) DO UPDATE SET message_id = EXCLUDED.message_id, segment_index = EXCLUDED.segment_index
      RETURNING message_id IS NOT NULL AND receipt_stat IS NOT NULL AS matched`;
    const upsertReceipt = `INSERT INTO receipt_correlation (carrier_id, smsc_message_id, receipt_stat, receipt_err, receipt_done_at) VALUES ($1, $2, $3, $4, now())
      ON CONFLICT (carrier_id, smsc_message_id) DO UPDATE SET receipt_stat = EXCLUDED.receipt_stat, receipt_err = EXCLUDED.receipt_err, receipt_done_at = EXCLUDED.receipt_done_at
      RETURNING message_id IS NOT NULL AND receipt_stat IS NOT NULL AS matched`;
    expect((await pool.query(upsertReceipt, ['c1', 'smsc-1', 'DELIVRD', '000'])).rows[0].matched).toBe(false);
    expect((await pool.query(upsertSubmit, ['c1', 'smsc-1', 'm1', 0])).rows[0].matched).toBe(true);
    expect((await pool.query(upsertSubmit, ['c1', 'smsc-2', 'm1', 1])).rows[0].matched).toBe(false);
    expect((await pool.query(upsertReceipt, ['c1', 'smsc-2', 'DELIVRD', '000'])).rows[0].matched).toBe(true);
  });
});

describe('migration runner on a real database', () => {
  it('lets concurrent starters apply each migration exactly once', async () => {
    const url = throwaway('race');
    await ensureDatabase(url);
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(url)));
    const count = loadMigrations().length;
    expect(results.reduce((n, r) => n + r.applied.length, 0)).toBe(count);
    const client = new Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('SELECT count(*)::int AS n FROM schema_migrations');
    await client.end();
    expect(rows[0].n).toBe(count);
  });

  it('stops with a clear error when an applied file was edited', async () => {
    const url = throwaway('edited');
    await ensureDatabase(url);
    await migrate(url);
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-migrations-'));
    try {
      for (const f of readdirSync(MIGRATIONS_DIR)) copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
      appendFileSync(join(dir, '0001_status_store.sql'), '\nALTER TABLE messages ADD COLUMN sneaky int;\n');
      writeFileSync(join(dir, '9999_later.sql'), 'SELECT 1;');
      await expect(migrate(url, { dir })).rejects.toThrow(MigrationChecksumError);
      await expect(migrate(url, { dir })).rejects.toThrow(/0001_status_store.sql was changed after it was applied/);
      expect((await migrationStatus(url)).pending).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a missing database in one line', async () => {
    const url = databaseUrlWithName(serverUrl, 'smsgw_it_missing_database');
    await expect(pingDatabase(url)).rejects.toThrow(DatabaseUnreachableError);
    await expect(migrate(url)).rejects.toThrow(/the database does not exist — run `npm run infra:up`/);
  });
});
