import { reliabilityTable, spliceTable, tallyStatuses, verdict, type FaultResult } from './report';

const result = (over: Partial<FaultResult> = {}): FaultResult => ({
  fault: 'kill smpp-connector',
  description: 'SIGKILL mid-load',
  accepted: 100,
  refused: {},
  final: 100,
  delivered: 100,
  lost: 0,
  duplicates: 0,
  unknownOutcomes: 0,
  settleSeconds: 1.25,
  restarts: 1,
  unhealthy: [],
  ...over,
});

describe('tallyStatuses', () => {
  it('counts a message without a status as lost, and only accepted ones', () => {
    const statuses = new Map([
      ['a', 'delivered'],
      ['b', 'final'],
      ['c', 'pending'],
      ['x', 'delivered'],
    ] as const);
    expect(tallyStatuses(['a', 'b', 'c', 'd'], statuses)).toEqual({ accepted: 4, final: 2, delivered: 1, lost: 2 });
  });
});

describe('verdict', () => {
  it('is ok with nothing lost and duplicates within the unknown outcomes', () => {
    expect(verdict(result({ duplicates: 3, unknownOutcomes: 5 }))).toBe('ok');
  });
  it('names losses and duplicates nobody counted', () => {
    expect(verdict(result({ lost: 2, final: 98, duplicates: 4, unknownOutcomes: 1 }))).toBe('2 lost, 3 duplicates not counted as unknown outcomes');
  });
});

describe('reliabilityTable', () => {
  it('has one row per fault with refusals by code, most first', () => {
    const table = reliabilityTable([result(), result({ fault: 'restart kafka', refused: { UNAVAILABLE: 2, 'INGEST.KAFKA_UNAVAILABLE': 7 }, unhealthy: ['encoder', 'router'] })]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe('| kill smpp-connector | SIGKILL mid-load | 100 | 100 | 100 | 0 | 0 | 0 | 0 | 1.3 | 1 | — | ok |');
    expect(lines[3]).toContain('| 7 INGEST.KAFKA_UNAVAILABLE, 2 UNAVAILABLE |');
    expect(lines[3]).toContain('| encoder, router |');
  });
});

describe('spliceTable', () => {
  it('replaces what is between the markers and keeps the rest', () => {
    const doc = 'intro\n<!-- chaos-table:begin -->\nold\n<!-- chaos-table:end -->\nafter\n';
    expect(spliceTable(doc, 'new')).toBe('intro\n<!-- chaos-table:begin -->\nnew\n<!-- chaos-table:end -->\nafter\n');
  });
  it('adds the markers when the document has none', () => {
    expect(spliceTable('intro\n', 'new')).toBe('intro\n\n<!-- chaos-table:begin -->\nnew\n<!-- chaos-table:end -->\n');
  });
});
