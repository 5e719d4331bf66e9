// Settings and segments for this library's integration tests against the mini SMSC.
import type { SubmitSm } from '@smsgw/smpp/util-wire';
import type { PoolSettings, SessionSettings } from '../index';

export const timeouts = { connectMs: 2000, bindMs: 1000, responseMs: 1000, enquireLinkIntervalMs: 5000, enquireLinkTimeoutMs: 1000, unbindMs: 500 };

export function sessionSettings(port: number, over: Partial<SessionSettings> = {}): SessionSettings {
  return { name: 't#1', host: '127.0.0.1', port, tls: false, tlsRejectUnauthorized: false, systemId: 'smsgw', password: 'secret', systemType: '', bindType: 'transceiver', window: 10, timeouts, ...over };
}

export function poolSettings(port: number, over: Partial<PoolSettings> = {}): PoolSettings {
  const { name: _n, bindType: _b, ...session } = sessionSettings(port, { window: 50 });
  return {
    carrierId: 't',
    session,
    bindMode: 'transceiver',
    binds: 2,
    tps: 0,
    permanentErrors: [0x0a, 0x0b],
    unknownOutcome: 'wait-for-receipt',
    reconnect: { initialMs: 50, maxMs: 200, multiplier: 2, jitter: 0.1 },
    ...over,
  };
}

export function segment(destination: string, text: string): SubmitSm {
  return {
    service_type: '',
    source_addr_ton: 5,
    source_addr_npi: 0,
    source_addr: 'ACME',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: destination,
    esm_class: 0,
    protocol_id: 0,
    priority_flag: 0,
    validity_period: '',
    validity_seconds: 0,
    registered_delivery: 1,
    data_coding: 0,
    short_message: Buffer.from(text),
  };
}
