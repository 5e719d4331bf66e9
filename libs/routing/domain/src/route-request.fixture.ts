import type { RouteRequest } from './route-rules';

/** A request to route, for the specs. */
export const request = (over: Partial<RouteRequest> = {}): RouteRequest => ({
  messageId: '01JTEST',
  destination: { e164: '+447711123456', country: 'GB', network: '234-10', networkName: 'O2', numberType: 'MOBILE' },
  account: 'acc-1',
  sender: 'ACME',
  trafficClass: 'transactional',
  encoding: 'gsm7',
  segments: 1,
  nowMs: Date.parse('2026-12-01T12:00:00Z'),
  ...over,
});
