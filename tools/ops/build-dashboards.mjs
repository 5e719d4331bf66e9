#!/usr/bin/env node
// Writes the Grafana dashboards of deploy/grafana/dashboards from the panel lists below, so the
// three boards share their variables, datasource and layout. Edit here, then run:
//   node tools/ops/build-dashboards.mjs           write them
//   node tools/ops/build-dashboards.mjs --check   exit 1 if a file is stale
// Every query filters on $namespace (and $carrier where it has one). Panels marked traffic:true
// show data whenever messages flow; the end-to-end test (apps/ops-e2e) asserts that they do.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DASHBOARD_DIR = join(ROOT, 'deploy/grafana/dashboards');

const NS = 'namespace=~"$namespace"';
const CAR = `${NS}, carrier=~"$carrier"`;
const R = '$__rate_interval';
const FINAL_STATS = 'DELIVRD|UNDELIV|EXPIRED|REJECTD|DELETED|UNKNOWN';
const FINAL_STATUSES = 'DELIVERED|UNDELIVERED|EXPIRED|REJECTED|FAILED|CANCELED';

const q = (expr, legend = '') => ({ expr, legend });
const quantiles = (metric, by, sel, legendPrefix = '') =>
  [0.5, 0.95, 0.99].map((p) => q(`histogram_quantile(${p}, sum by (${['le', ...by].join(', ')}) (rate(${metric}_bucket{${sel}}[${R}])))`, `${legendPrefix}p${p * 100}`));

const BOARDS = {
  'smsgw-overview': {
    title: 'smsgw · Overview',
    description: 'Messages in and out, delivery ratio, end-to-end latency and errors across the gateway.',
    panels: [
      { title: 'Accepted (messages/s)', type: 'stat', unit: 'reqps', traffic: true, targets: [q(`sum(rate(smsgw_messages_accepted_total{${NS}}[${R}]))`)] },
      { title: 'Segments submitted to carriers (/s)', type: 'stat', unit: 'reqps', traffic: true, targets: [q(`sum(rate(smsgw_smpp_segments_total{${NS}, outcome="submitted"}[${R}]))`)] },
      { title: 'Delivery ratio', type: 'stat', unit: 'percentunit', traffic: true, description: 'Share of messages reaching a final status that were DELIVERED.',
        targets: [q(`sum(rate(smsgw_status_transitions_total{${NS}, status="DELIVERED"}[${R}])) / sum(rate(smsgw_status_transitions_total{${NS}, status=~"${FINAL_STATUSES}"}[${R}]))`)] },
      { title: 'End-to-end p95 (accept → delivered)', type: 'stat', unit: 's', traffic: true,
        targets: [q(`histogram_quantile(0.95, sum by (le) (rate(smsgw_message_accept_to_final_seconds_bucket{${NS}, status="DELIVERED"}[${R}])))`)] },
      { title: 'Throughput in and out (/s)', unit: 'reqps', traffic: true, targets: [
        q(`sum by (channel) (rate(smsgw_messages_accepted_total{${NS}}[${R}]))`, 'accepted ({{channel}})'),
        q(`sum(rate(smsgw_messages_routed_total{${NS}}[${R}]))`, 'routed'),
        q(`sum(rate(smsgw_smpp_segments_total{${NS}, outcome="submitted"}[${R}]))`, 'segments submitted'),
        q(`sum(rate(smsgw_status_transitions_total{${NS}, status=~"${FINAL_STATUSES}"}[${R}]))`, 'final statuses'),
      ] },
      { title: 'Final statuses (/s)', unit: 'reqps', traffic: true, targets: [q(`sum by (status) (rate(smsgw_status_transitions_total{${NS}, status=~"${FINAL_STATUSES}"}[${R}]))`, '{{status}}')] },
      { title: 'End-to-end latency, accept → delivered', unit: 's', traffic: true, targets: quantiles('smsgw_message_accept_to_final_seconds', [], `${NS}, status="DELIVERED"`) },
      { title: 'Send latency (gRPC, until the broker acknowledged)', unit: 's', traffic: true, targets: quantiles('smsgw_accept_duration_seconds', ['method'], NS, '{{method}} ') },
      { title: 'Rejected requests by reason (/s)', unit: 'reqps', description: 'Send requests refused by validation or by their account policy (POLICY.*; also smsgw_policy_refused_total), calls refused by API key authentication (AUTH.*), and messages above their account\'s usual rate to a country (SMS pumping: refused, or monitored and let through).', targets: [
        q(`sum by (channel, reason) (rate(smsgw_messages_rejected_total{${NS}}[${R}]))`, '{{channel}} {{reason}}'),
        q(`sum by (code) (rate(smsgw_auth_refused_total{${NS}}[${R}]))`, 'auth {{code}}'),
        q(`sum by (action) (rate(smsgw_pumping_suspected_total{${NS}}[${R}]))`, 'pumping suspected, {{action}}'),
      ] },
      { title: 'Errors (/s)', unit: 'reqps', description: 'Messages that ended FAILED before a carrier, events that could not be decoded, submits with an unknown outcome.', targets: [
        q(`sum by (reason) (rate(smsgw_messages_encode_failed_total{${NS}}[${R}]))`, 'encode failed {{reason}}'),
        q(`sum by (reason) (rate(smsgw_messages_route_failed_total{${NS}}[${R}]))`, 'route failed {{reason}}'),
        q(`sum by (topic) (rate(smsgw_dlr_undecodable_total{${NS}}[${R}]))`, 'undecodable on {{topic}}'),
        q(`sum by (carrier) (rate(smsgw_smpp_unknown_outcomes_total{${NS}}[${R}]))`, 'unknown outcome {{carrier}}'),
      ] },
      { title: 'Email-to-SMS (/s)', unit: 'reqps', description: 'Mails by outcome at the end of DATA (deferred: a 4xx the client sends again), SMTP refusals by stage and code (a bad recipient is refused at RCPT TO), delivery reports by email by result.', targets: [
        q(`sum by (outcome) (rate(smsgw_email_messages_total{${NS}}[${R}]))`, 'mails {{outcome}}'),
        q(`sum by (stage, code) (rate(smsgw_email_refusals_total{${NS}}[${R}]))`, 'refused at {{stage}}: {{code}}'),
        q(`sum by (result) (rate(smsgw_email_reports_total{${NS}}[${R}]))`, 'delivery reports {{result}}'),
      ] },
      { title: 'Routed by carrier (/s)', unit: 'reqps', traffic: true, targets: [q(`sum by (carrier, attempt) (rate(smsgw_messages_routed_total{${NS}}[${R}]))`, '{{carrier}} {{attempt}}')] },
      { title: 'Scrape targets up', unit: 'none', targets: [q(`sum by (instance) (up{job="smsgw", ${NS}})`, '{{instance}}')] },
    ],
  },
  'smsgw-carriers': {
    title: 'smsgw · Carriers',
    description: 'Per carrier: submit rate, window, throttling, binds, receipts and delivery ratio.',
    carrier: true,
    panels: [
      { title: 'Submit TPS (submit_sm responses/s)', unit: 'reqps', traffic: true, targets: [q(`sum by (carrier) (rate(smsgw_smpp_responses_total{${CAR}, command="submit_sm"}[${R}]))`, '{{carrier}}')] },
      { title: 'Submits by command_status (/s)', unit: 'reqps', traffic: true, targets: [q(`sum by (carrier, command_status) (rate(smsgw_smpp_responses_total{${CAR}, command="submit_sm"}[${R}]))`, '{{carrier}} {{command_status}}')] },
      { title: 'Delivery ratio (receipts)', unit: 'percentunit', traffic: true, targets: [
        q(`sum by (carrier) (rate(smsgw_receipts_total{${CAR}, stat="DELIVRD"}[${R}])) / sum by (carrier) (rate(smsgw_receipts_total{${CAR}, stat=~"${FINAL_STATS}"}[${R}]))`, '{{carrier}}'),
      ] },
      { title: 'Receipts by stat (/s)', unit: 'reqps', traffic: true, targets: [q(`sum by (carrier, stat) (rate(smsgw_receipts_total{${CAR}}[${R}]))`, '{{carrier}} {{stat}}')] },
      { title: 'Submit latency (submit_sm → resp)', unit: 's', traffic: true, targets: quantiles('smsgw_smpp_submit_latency_seconds', ['carrier'], CAR, '{{carrier}} ') },
      { title: 'Receipt latency (accept → final, all carriers)', unit: 's', traffic: true,
        description: 'From acceptance to the final status, by final status. (No per-carrier receipt latency is exported yet.)',
        targets: [q(`histogram_quantile(0.95, sum by (le, status) (rate(smsgw_message_accept_to_final_seconds_bucket{${NS}}[${R}])))`, 'p95 {{status}}')] },
      { title: 'Window in use', unit: 'none', targets: [q(`sum by (carrier) (smsgw_smpp_window_in_use{${CAR}})`, '{{carrier}}')] },
      { title: 'Queued segments by lane', unit: 'none', targets: [q(`sum by (carrier, lane) (smsgw_smpp_queued_segments{${CAR}})`, '{{carrier}} {{lane}}')] },
      { title: 'Routed → submitted by lane (p99)', unit: 's', traffic: true,
        description: 'From the router decision to the first segment submit_sm_resp: OTP and transactional (priority) should stay low while a campaign (bulk) queues.',
        targets: [q(`histogram_quantile(0.99, sum by (le, carrier, lane) (rate(smsgw_connector_routed_to_submitted_seconds_bucket{${CAR}}[${R}])))`, '{{carrier}} {{lane}}')] },
      { title: 'Throttled (/s)', unit: 'reqps', targets: [q(`sum by (carrier, command_status) (rate(smsgw_smpp_throttled_total{${CAR}}[${R}]))`, '{{carrier}} {{command_status}}')] },
      { title: 'Adaptive TPS limit and paused consumers', unit: 'none', targets: [
        q(`max by (carrier) (smsgw_smpp_adaptive_tps_limit{${CAR}})`, '{{carrier}} TPS limit'),
        q(`max by (carrier, lane) (smsgw_smpp_consumer_paused{${CAR}})`, '{{carrier}} {{lane}} paused'),
      ] },
      { title: 'Bind state', unit: 'none', targets: [q(`sum by (carrier, state) (smsgw_smpp_bind_state{${CAR}})`, '{{carrier}} {{state}}')] },
      { title: 'Reconnects and bind errors (per 5 min)', unit: 'none', targets: [
        q(`sum by (carrier) (increase(smsgw_smpp_reconnects_total{${CAR}}[5m]))`, '{{carrier}} reconnects'),
        q(`sum by (carrier, code) (increase(smsgw_smpp_bind_errors_total{${CAR}}[5m]))`, '{{carrier}} {{code}}'),
      ] },
      { title: 'Unknown outcomes and late responses (/s)', unit: 'reqps', targets: [
        q(`sum by (carrier, reason, action) (rate(smsgw_smpp_unknown_outcomes_total{${CAR}}[${R}]))`, '{{carrier}} {{reason}} {{action}}'),
        q(`sum by (carrier) (rate(smsgw_smpp_late_responses_total{${CAR}}[${R}]))`, '{{carrier}} late responses'),
        q(`sum by (carrier) (rate(smsgw_connector_unknown_outcomes_total{${CAR}}[${R}]))`, '{{carrier}} unknown after a restart (journal)'),
      ] },
      { title: 'Segments by outcome (/s)', unit: 'reqps', traffic: true, targets: [q(`sum by (carrier, outcome) (rate(smsgw_smpp_segments_total{${CAR}}[${R}]))`, '{{carrier}} {{outcome}}')] },
      { title: 'Unmatched receipts', unit: 'none', targets: [
        q(`max by (carrier) (smsgw_receipts_unmatched_total{${CAR}})`, '{{carrier}} waiting (last hour)'),
        q(`sum by (carrier, reason) (increase(smsgw_dlr_unmatched_receipts_total{${CAR}}[1h]))`, '{{carrier}} {{reason}} (per hour)'),
      ] },
      { title: 'deliver_sm received (/s)', unit: 'reqps', traffic: true, targets: [q(`sum by (carrier, kind, result) (rate(smsgw_smpp_deliver_sm_total{${CAR}}[${R}]))`, '{{carrier}} {{kind}} {{result}}')] },
    ],
  },
  'smsgw-pipeline': {
    title: 'smsgw · Pipeline',
    description: 'Kafka consumer lag and latency per stage: ingest → encoder → router → smpp-connector → dlr-processor.',
    panels: [
      { title: 'Consumer lag by group and topic', unit: 'none', description: 'Every replica reports its whole group; max takes one.',
        targets: [q(`max by (group, topic) (smsgw_kafka_consumer_lag_messages{${NS}})`, '{{group}} ← {{topic}}')] },
      { title: 'Stage latency since acceptance (p95)', unit: 's', traffic: true, targets: [
        q(`histogram_quantile(0.95, sum by (le, stage) (rate(smsgw_stage_latency_seconds_bucket{${NS}}[${R}])))`, '{{stage}}'),
        q(`histogram_quantile(0.95, sum by (le) (rate(smsgw_message_accept_to_final_seconds_bucket{${NS}, status="DELIVERED"}[${R}])))`, 'delivered'),
      ] },
      { title: 'Processed per stage (/s)', unit: 'reqps', traffic: true, targets: [
        q(`sum(rate(smsgw_messages_accepted_total{${NS}}[${R}]))`, 'ingest: accepted'),
        q(`sum(rate(smsgw_messages_encoded_total{${NS}}[${R}]))`, 'encoder: encoded'),
        q(`sum(rate(smsgw_messages_routed_total{${NS}}[${R}]))`, 'router: routed'),
        q(`sum(rate(smsgw_smpp_segments_total{${NS}}[${R}]))`, 'connector: segments'),
        q(`sum by (topic) (rate(smsgw_dlr_events_total{${NS}}[${R}]))`, 'dlr-processor: {{topic}}'),
      ] },
      { title: 'Encoded by encoding (/s)', unit: 'reqps', traffic: true, targets: [
        q(`sum by (encoding) (rate(smsgw_messages_encoded_total{${NS}}[${R}]))`, 'messages {{encoding}}'),
        q(`sum by (encoding) (rate(smsgw_segments_encoded_total{${NS}}[${R}]))`, 'segments {{encoding}}'),
      ] },
      { title: 'Stage latency since acceptance', unit: 's', traffic: true, targets: quantiles('smsgw_stage_latency_seconds', ['stage'], NS, '{{stage}} ') },
      { title: 'dlr-processor fetch projection time (p95)', unit: 's', traffic: true, targets: [q(`histogram_quantile(0.95, sum by (le) (rate(smsgw_dlr_batch_seconds_bucket{${NS}}[${R}])))`, 'p95')] },
      { title: 'Status changes (/s)', unit: 'reqps', traffic: true, targets: [q(`sum by (status) (rate(smsgw_status_transitions_total{${NS}}[${R}]))`, '{{status}}')] },
      { title: 'Store: retries, late matches, pruned (per 5 min)', unit: 'none', targets: [
        q(`sum(increase(smsgw_dlr_transaction_retries_total{${NS}}[5m]))`, 'transaction retries'),
        q(`sum(increase(smsgw_receipts_matched_late_total{${NS}}[5m]))`, 'receipts matched late'),
        q(`sum(increase(smsgw_receipt_correlation_pruned_total{${NS}}[5m]))`, 'correlations pruned'),
        q(`sum by (carrier) (increase(smsgw_submit_unknown_total{${NS}}[5m]))`, 'unknown submit outcome {{carrier}}'),
      ] },
      { title: 'Scheduled messages (per 5 min)', unit: 'none', description: 'Held until send_at, released, canceled (ingest scheduler).',
        targets: [q(`sum by (event) (increase(smsgw_scheduled_messages_total{${NS}}[5m]))`, '{{event}}')] },
      { title: 'Scheduled release delay after send_at (p95)', unit: 's', targets: [q(`histogram_quantile(0.95, sum by (le) (rate(smsgw_schedule_release_delay_seconds_bucket{${NS}}[${R}])))`, 'p95')] },
      { title: 'Webhooks (/s)', unit: 'reqps', description: 'Status callbacks and inbound webhooks: final results (delivered, failed → sms.webhook.failed.v1 / sms.inbound.webhook.failed.v1) and HTTP attempts by outcome.', targets: [
        q(`sum by (result) (rate(smsgw_webhook_deliveries_total{${NS}}[${R}]))`, '{{result}}'),
        q(`sum by (outcome) (rate(smsgw_webhook_attempts_total{${NS}}[${R}]))`, 'attempt {{outcome}}'),
      ] },
      { title: 'Two-way: inbound messages and opt-outs (per 5 min)', unit: 'none', description: 'MO messages by routing outcome (routed to an account, unrouted, undecodable) and suppression list changes (opt_out, opt_in).', targets: [
        q(`sum by (outcome) (increase(smsgw_inbound_messages_total{${NS}}[5m]))`, 'inbound {{outcome}}'),
        q(`sum by (action) (increase(smsgw_optouts_total{${NS}}[5m]))`, '{{action}}'),
      ] },
      { title: 'Webhook time (p95)', unit: 's', targets: [q(`histogram_quantile(0.95, sum by (le) (rate(smsgw_webhook_duration_seconds_bucket{${NS}}[${R}])))`, 'p95')] },
      { title: 'CPU by app (cores)', unit: 'none', traffic: true, targets: [q(`sum by (app) (rate(process_cpu_seconds_total{${NS}, app!=""}[${R}]))`, '{{app}}')] },
      { title: 'Memory by app (resident)', unit: 'bytes', traffic: true, targets: [q(`sum by (app) (process_resident_memory_bytes{${NS}, app!=""})`, '{{app}}')] },
      { title: 'Event loop lag p99 by app', unit: 's', traffic: true, targets: [q(`max by (app) (nodejs_eventloop_lag_p99_seconds{${NS}, app!=""})`, '{{app}}')] },
      { title: 'Route rules loaded', unit: 'none', targets: [q(`max(smsgw_routes_loaded{${NS}})`, 'rules')] },
      { title: 'Routing cost by carrier (per hour)', unit: 'none', description: 'What routed messages cost on their carriers (rate cards × segments), in each card\'s currency.',
        targets: [q(`sum by (carrier, currency) (increase(smsgw_route_cost_micros_total{${NS}}[1h])) / 1e6`, '{{carrier}} {{currency}}')] },
    ],
  },
};

function variables(board) {
  const list = [
    { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, regex: '', options: [] },
    {
      name: 'namespace', label: 'Namespace', type: 'query', datasource: { type: 'prometheus', uid: '${datasource}' },
      query: { query: 'label_values(process_start_time_seconds{app!=""}, namespace)', refId: 'namespace' },
      definition: 'label_values(process_start_time_seconds{app!=""}, namespace)',
      includeAll: true, allValue: '.*', multi: true, current: { selected: true, text: ['All'], value: ['$__all'] }, refresh: 2, sort: 1, hide: 0, options: [], regex: '',
    },
  ];
  if (board.carrier) {
    list.push({
      name: 'carrier', label: 'Carrier', type: 'query', datasource: { type: 'prometheus', uid: '${datasource}' },
      query: { query: 'label_values(smsgw_smpp_bind_state{namespace=~"$namespace"}, carrier)', refId: 'carrier' },
      definition: 'label_values(smsgw_smpp_bind_state{namespace=~"$namespace"}, carrier)',
      includeAll: true, allValue: '.*', multi: true, current: { selected: true, text: ['All'], value: ['$__all'] }, refresh: 2, sort: 1, hide: 0, options: [], regex: '',
    });
  }
  return list;
}

function panel(p, id, gridPos) {
  const ds = { type: 'prometheus', uid: '${datasource}' };
  const out = {
    id,
    type: p.type ?? 'timeseries',
    title: p.title,
    description: p.description ?? '',
    datasource: ds,
    gridPos,
    fieldConfig: { defaults: { unit: p.unit ?? 'none' }, overrides: [] },
    options: p.type === 'stat'
      ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area', textMode: 'auto' }
      : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: p.targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: ds, expr: t.expr, legendFormat: t.legend, range: true, instant: false })),
  };
  // Read by apps/ops-e2e: this panel must return data while messages flow. Grafana ignores it.
  if (p.traffic) out.smsgwTraffic = true;
  return out;
}

export function buildDashboard(uid) {
  const board = BOARDS[uid];
  let x = 0, y = 0, rowH = 0, id = 1;
  const panels = board.panels.map((p) => {
    const w = p.type === 'stat' ? 6 : 12, h = p.type === 'stat' ? 4 : 8;
    if (x + w > 24) { x = 0; y += rowH; rowH = 0; }
    const gp = { x, y, w, h };
    x += w; rowH = Math.max(rowH, h);
    return panel(p, id++, gp);
  });
  return {
    uid,
    title: board.title,
    description: board.description,
    tags: ['smsgw'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    refresh: '10s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-1h', to: 'now' },
    templating: { list: variables(board) },
    annotations: { list: [] },
    links: Object.keys(BOARDS).filter((u) => u !== uid).map((u) => ({ type: 'link', title: BOARDS[u].title, url: `/d/${u}`, keepTime: true, includeVars: true, icon: 'dashboard' })),
    panels,
  };
}

export const DASHBOARD_UIDS = Object.keys(BOARDS);
export const dashboardText = (uid) => JSON.stringify(buildDashboard(uid), null, 2) + '\n';
export const dashboardFile = (uid) => join(DASHBOARD_DIR, `${uid}.json`);

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const uid of DASHBOARD_UIDS) {
    const want = dashboardText(uid);
    let have = '';
    try {
      have = readFileSync(dashboardFile(uid), 'utf8');
    } catch {
      /* missing */
    }
    if (have === want) continue;
    if (check) {
      console.error(`deploy/grafana/dashboards/${uid}.json is stale: run node tools/ops/build-dashboards.mjs`);
      stale++;
    } else {
      writeFileSync(dashboardFile(uid), want);
      console.log(`wrote deploy/grafana/dashboards/${uid}.json`);
    }
  }
  process.exit(stale ? 1 : 0);
}
