// The parts of the untyped npm package `smpp` (node-smpp 0.6.0-rc.4) this library uses.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  export class PDU {
    constructor(command: string | Buffer, options?: Record<string, unknown>);
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    isResponse(): boolean;
    response(options?: Record<string, unknown>): PDU;
    toBuffer(): Buffer;
    [field: string]: unknown;
  }

  export interface ClientOptions {
    host: string;
    port: number;
    tls?: boolean;
    rejectUnauthorized?: boolean;
    connectTimeout?: number;
    [option: string]: unknown;
  }

  export class Session extends EventEmitter {
    socket: Socket;
    closed: boolean;
    sequence: number;
    paused: boolean;
    _busy: boolean;
    _command_length: number | null;
    _extractPDUs: () => void;
    send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void, failureCallback?: (pdu: PDU, err?: Error) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export function connect(options: ClientOptions, listener?: (session: Session) => void): Session;
  export function createServer(options: Record<string, unknown>, listener?: (session: Session) => void): import('node:net').Server;
  export const errors: Record<string, number>;
}
