// Typed access to the npm package `smpp` (node-smpp 0.6.0-rc.4), which ships no type definitions.
// Only what the simulator and its tests use is typed here.
import type { EventEmitter } from 'node:events';
import type { Server, Socket } from 'node:net';

export interface SmppPdu {
  command: string;
  command_id: number;
  command_status: number;
  sequence_number: number;
  isResponse(): boolean;
  response(options?: Record<string, unknown>): SmppPdu;
  [field: string]: unknown;
}

export type PduCallback = (pdu: SmppPdu) => void;

export interface SmppSession extends EventEmitter {
  socket: Socket;
  closed: boolean;
  remoteAddress: string | null;
  send(pdu: SmppPdu, responseCallback?: PduCallback, sendCallback?: PduCallback, failureCallback?: PduCallback): boolean;
  close(callback?: () => void): void;
  destroy(callback?: () => void): void;
  pause(): void;
  resume(): void;
  /** Pending response callbacks by sequence number (node-smpp internals; the simulator expires them). */
  _callbacks: Record<number, PduCallback>;
  bind_transceiver(options: Record<string, unknown>, cb?: PduCallback): boolean;
  bind_transmitter(options: Record<string, unknown>, cb?: PduCallback): boolean;
  bind_receiver(options: Record<string, unknown>, cb?: PduCallback): boolean;
  submit_sm(options: Record<string, unknown>, cb?: PduCallback, sendCb?: PduCallback, failureCb?: PduCallback): boolean;
  data_sm(options: Record<string, unknown>, cb?: PduCallback): boolean;
  deliver_sm(options: Record<string, unknown>, cb?: PduCallback, sendCb?: PduCallback, failureCb?: PduCallback): boolean;
  enquire_link(options?: Record<string, unknown> | PduCallback, cb?: PduCallback): boolean;
  unbind(options?: Record<string, unknown> | PduCallback, cb?: PduCallback): boolean;
}

export interface SmppServer extends Server {
  sessions: SmppSession[];
}

export interface NodeSmpp {
  createServer(options: Record<string, unknown>, listener: (session: SmppSession) => void): SmppServer;
  connect(options: Record<string, unknown> | string, listener?: (session: SmppSession) => void): SmppSession;
  /** A command name and fields, or a whole PDU (command_length included) to decode. */
  PDU: new (command: string | Buffer, options?: Record<string, unknown>) => SmppPdu;
  errors: Record<string, number>;
}

export const smpp: NodeSmpp = require('smpp');
