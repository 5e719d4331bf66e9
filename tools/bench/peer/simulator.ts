// The SMSC both gateways are measured against: the project's simulator app with the issue's
// conditions set explicitly (not left to its defaults, which could change): every message gets a
// DELIVRD receipt, the submit_sm_resp and the receipt go out at once, no rate cap, window 100 per bind.
export interface SimulatorConditions {
  window: number;
  responseDelayMs: number;
  receiptDelayMs: number;
  outcomes: string;
  tps: number;
}

export const ISSUE_CONDITIONS: SimulatorConditions = { window: 100, responseDelayMs: 0, receiptDelayMs: 0, outcomes: 'DELIVRD=1', tps: 0 };

/** The simulator app's environment (README: SIMULATOR_*) for one account. */
export function simulatorEnv(c: SimulatorConditions, account: { systemId: string; password: string; maxBinds: number }): Record<string, string> {
  return {
    SIMULATOR_ACCOUNTS: `${account.systemId}:${account.password}:${account.maxBinds}:${c.tps}`,
    SIMULATOR_TPS: String(c.tps),
    SIMULATOR_WINDOW: String(c.window),
    SIMULATOR_RESPONSE_DELAY: String(c.responseDelayMs),
    SIMULATOR_RECEIPT_DELAY: String(c.receiptDelayMs),
    SIMULATOR_OUTCOMES: c.outcomes,
    SIMULATOR_INTERMEDIATE: 'none',
    SIMULATOR_ID_FORMAT: 'decimal',
    SIMULATOR_RECEIPT_ID_FORMAT: 'same',
    LOG_LEVEL: 'warn',
  };
}

export interface SimulatorCounts {
  submitsAccepted: number;
  windowFull: number;
  throttled: number;
  duplicates: number;
  receiptsSent: number;
  receiptsPending: number;
}

export async function resetSimulator(httpUrl: string): Promise<void> {
  const res = await fetch(`${httpUrl}/stats/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`simulator ${httpUrl}/stats/reset: ${res.status}`);
}

export async function simulatorCounts(httpUrl: string): Promise<SimulatorCounts> {
  const s = (await (await fetch(`${httpUrl}/stats`)).json()) as {
    submits: { accepted: number; windowFull: number; throttled: number };
    duplicateSubmits: number;
    receipts: { sent: number; pending: number };
  };
  return { submitsAccepted: s.submits.accepted, windowFull: s.submits.windowFull, throttled: s.submits.throttled, duplicates: s.duplicateSubmits, receiptsSent: s.receipts.sent, receiptsPending: s.receipts.pending };
}
