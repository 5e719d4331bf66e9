import { PduFramer } from '@smsgw/smpp/util-wire';
import type { BindType } from '../stats/simulator-stats';
import type { SmppPdu, SmppSession } from './node-smpp';
import type { DeliverItem } from './delivery-queue';
import type { AccountState } from './account-state';

export type ConnectionState = 'open' | 'bound' | 'unbinding' | 'closed';

/** node-smpp's own limit. */
export const MAX_PDU_LENGTH = 16384;

/** Called with each whole PDU (a view into the read buffers, valid during the call). */
export type FrameHandler = (conn: EsmeConnection, pdu: Buffer) => void;

/**
 * One TCP connection from an ESME: its bind state, its windows, and its byte stream. node-smpp
 * owns the socket and the session; the simulator reads the frames itself (replacing the session's
 * own read loop for this session only) so the hot PDUs skip node-smpp's slow generic codec.
 */
export class EsmeConnection {
  state: ConnectionState = 'open';
  bindType?: BindType;
  account?: AccountState;
  /** submit_sm received and not yet answered (response delay). */
  submitsInFlight = 0;
  /** deliver_sm sent and not yet answered, by sequence number. */
  readonly deliversInFlight = new Map<number, DeliverItem>();
  /** Requests received since the connection opened or the faults last changed. */
  requests = 0;
  faultEpoch: number;
  private corked = false;
  private readonly framer = new PduFramer((pdu) => this.onPdu(pdu), MAX_PDU_LENGTH);

  constructor(
    readonly session: SmppSession,
    faultEpoch: number,
    private readonly onFrame: FrameHandler,
    private readonly onBadFrame: (conn: EsmeConnection, reason: string) => void,
  ) {
    this.faultEpoch = faultEpoch;
    // Writes are already batched per event-loop turn (cork); Nagle would only add delay.
    session.socket.setNoDelay(true);
    // The simulator reads the byte stream itself, in flowing mode (one callback per chunk, frames
    // cut in place): node-smpp's 'readable' loop and PDU codec are replaced for this session only.
    (session as unknown as { _extractPDUs: () => void })._extractPDUs = () => undefined;
    const socket = session.socket;
    socket.removeAllListeners('readable');
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.resume();
  }

  get canTransmit(): boolean {
    return this.state === 'bound' && this.bindType !== 'receiver';
  }

  get canReceive(): boolean {
    return this.state === 'bound' && this.bindType !== 'transmitter';
  }

  /** Sequence number for a request the simulator sends (node-smpp's counter, shared). */
  nextSequence(): number {
    const s = this.session as unknown as { sequence: number };
    if (s.sequence >= 0x7fffffff) s.sequence = 0;
    return ++s.sequence;
  }

  /** Writes encoded PDU bytes. */
  write(bytes: Buffer): boolean {
    const socket = this.session.socket;
    if (this.state === 'closed' || !socket.writable) return false;
    this.cork();
    socket.write(bytes);
    return true;
  }

  /** Writes a node-smpp PDU (bind responses and other rare PDUs). */
  send(pdu: SmppPdu, onWritten?: () => void): boolean {
    if (this.state === 'closed') return false;
    this.cork();
    return this.session.send(pdu, undefined, onWritten);
  }

  /**
   * Everything written in one event-loop iteration leaves in one write (corked until setImmediate,
   * right after this round of I/O callbacks): no timer, no added latency, and one syscall for a
   * burst of answers instead of one each.
   */
  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.session.socket.cork();
    setImmediate(uncork, this);
  }

  uncork(): void {
    this.corked = false;
    this.session.socket.uncork();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    if (!this.framer.feed(chunk)) this.onBadFrame(this, `command_length ${this.framer.invalidLength} outside 16..${MAX_PDU_LENGTH}`);
  }

  private onPdu(pdu: Buffer): void {
    // A connection closed by an earlier PDU of the same chunk reads no further.
    if (this.state === 'closed') return;
    try {
      this.onFrame(this, pdu);
    } catch (err) {
      // A simulator bug must not take the process (and every test using it) down.
      this.onBadFrame(this, `PDU handling failed: ${(err as Error).message}`);
    }
  }
}

function uncork(conn: EsmeConnection): void {
  conn.uncork();
}
