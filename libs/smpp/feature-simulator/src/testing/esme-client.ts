// Test helper: an ESME built on the plain node-smpp client, as a gateway would use it.
import { smpp, type SmppPdu, type SmppSession } from '../smsc/node-smpp';

export interface TestEsme {
  session: SmppSession;
  bindStatus: number;
  /** deliver_sm received, in order. */
  delivered: SmppPdu[];
  /** Whether deliver_sm are answered (default true). */
  answerDelivers: boolean;
  closed: Promise<void>;
  isClosed(): boolean;
  submit(fields: Record<string, unknown>): Promise<SmppPdu>;
  request(command: string, fields?: Record<string, unknown>): Promise<SmppPdu>;
  waitForDelivered(count: number, timeoutMs?: number): Promise<SmppPdu[]>;
  close(): Promise<void>;
}

export interface EsmeOptions {
  port: number;
  bind?: 'transceiver' | 'transmitter' | 'receiver';
  systemId?: string;
  password?: string;
  tls?: boolean;
}

export async function connectEsme(options: EsmeOptions): Promise<TestEsme> {
  const session = smpp.connect({ host: '127.0.0.1', port: options.port, tls: options.tls ?? false, rejectUnauthorized: false });
  session.on('error', () => undefined); // a dropped connection is what some tests expect
  let closed = false;
  const closedPromise = new Promise<void>((resolve) =>
    session.on('close', () => {
      closed = true;
      resolve();
    }),
  );
  const esme: TestEsme = {
    session,
    bindStatus: -1,
    delivered: [],
    answerDelivers: true,
    closed: closedPromise,
    isClosed: () => closed,
    submit: (fields) => esme.request('submit_sm', { source_addr: 'ACME', destination_addr: '447700900123', short_message: 'Hello', ...fields }),
    request: (command, fields = {}) =>
      new Promise((resolve, reject) => {
        const pdu = new smpp.PDU(command, fields);
        if (!session.send(pdu, resolve)) reject(new Error('socket not writable'));
      }),
    waitForDelivered: async (count, timeoutMs = 3000) => {
      const deadline = Date.now() + timeoutMs;
      while (esme.delivered.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} deliver_sm, got ${esme.delivered.length}`);
        await sleep(10);
      }
      return esme.delivered.slice(0, count);
    },
    close: async () => {
      if (!closed) session.destroy();
      await closedPromise;
    },
  };
  session.on('deliver_sm', (pdu: SmppPdu) => {
    esme.delivered.push(pdu);
    if (esme.answerDelivers) session.send(pdu.response());
  });
  await new Promise<void>((resolve, reject) => {
    session.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
    session.once('error', reject);
  });
  const bind = `bind_${options.bind ?? 'transceiver'}`;
  const resp = await esme.request(bind, { system_id: options.systemId ?? 'smsgw', password: options.password ?? 'secret' });
  esme.bindStatus = resp.command_status;
  return esme;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves the value, or rejects when it takes longer than ms. Resolves 'timeout' instead when asked. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([promise, sleep(ms).then(() => 'timeout' as const)]);
}
