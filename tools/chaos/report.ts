// What one fault of the chaos suite did to the messages accepted around it, and the table of
// docs/reliability.md. Pure: tools/chaos/chaos.ts measures, this file counts and writes.

/** One fault's figures. */
export interface FaultResult {
  fault: string;
  /** What was done, for the table. */
  description: string;
  /** Messages the gateway accepted (SendBatch answered with an id) while the load ran. */
  accepted: number;
  /** Messages refused with an error, or not sent while 64 calls waited (not accepted: nothing to lose), by code. */
  refused: Record<string, number>;
  /** Accepted messages that reached a final status within the settle time. */
  final: number;
  delivered: number;
  /** Accepted messages with no final status when the settle time ran out. */
  lost: number;
  /** Segments the SMSC accepted a second time (simulator duplicateSubmits). */
  duplicates: number;
  /** Segments whose submit outcome was unknown (UNKNOWN segment events on sms.submitted.v2). */
  unknownOutcomes: number;
  /** Seconds from the end of the load until the last message was final. */
  settleSeconds: number;
  /** App restarts tools/stack.cjs reported during the fault. */
  restarts: number;
  /** Apps whose /healthz failed (or did not answer) at some point of the fault. */
  unhealthy: string[];
}

/** Each accepted message's final status (undefined: not final) → accepted, final, delivered, lost. */
export function tallyStatuses(accepted: readonly string[], statusOf: ReadonlyMap<string, 'delivered' | 'final' | 'pending'>): Pick<FaultResult, 'accepted' | 'final' | 'delivered' | 'lost'> {
  let final = 0;
  let delivered = 0;
  for (const id of accepted) {
    const s = statusOf.get(id) ?? 'pending';
    if (s !== 'pending') final++;
    if (s === 'delivered') delivered++;
  }
  return { accepted: accepted.length, final, delivered, lost: accepted.length - final };
}

/** The suite's target: nothing lost, and no duplicate the gateway did not count as an unknown outcome. */
export function verdict(r: FaultResult): string {
  const problems: string[] = [];
  if (r.lost > 0) problems.push(`${r.lost} lost`);
  if (r.duplicates > r.unknownOutcomes) problems.push(`${r.duplicates - r.unknownOutcomes} duplicates not counted as unknown outcomes`);
  return problems.length ? problems.join(', ') : 'ok';
}

const refusedText = (refused: Record<string, number>) =>
  Object.entries(refused)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${n} ${code}`)
    .join(', ') || '0';

/** The markdown table, one row per fault. */
export function reliabilityTable(results: readonly FaultResult[]): string {
  const head = '| fault | what was done | accepted | final | delivered | lost | duplicates | unknown outcomes | refused (not accepted) | settle s | app restarts | /healthz failed | verdict |';
  const rule = '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |';
  const rows = results.map((r) =>
    [r.fault, r.description, r.accepted, r.final, r.delivered, r.lost, r.duplicates, r.unknownOutcomes, refusedText(r.refused), r.settleSeconds.toFixed(1), r.restarts, r.unhealthy.join(', ') || '—', verdict(r)].join(' | '),
  );
  return [head, rule, ...rows.map((r) => `| ${r} |`)].join('\n');
}

export const TABLE_BEGIN = '<!-- chaos-table:begin -->';
export const TABLE_END = '<!-- chaos-table:end -->';

/** The document with the text between two markers replaced (the markers and text added at the end if missing). */
export function spliceBetween(doc: string, begin: string, end: string, text: string): string {
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) return `${doc.replace(/\n*$/, '\n\n')}${begin}\n${text}\n${end}\n`;
  return `${doc.slice(0, a + begin.length)}\n${text}\n${doc.slice(b)}`;
}

/** The document with the text between the table markers replaced (markers added at the end if missing). */
export const spliceTable = (doc: string, text: string): string => spliceBetween(doc, TABLE_BEGIN, TABLE_END, text);
