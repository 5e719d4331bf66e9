// PDUs cut out of a TCP byte stream, and the four header fields read in place (SMPP 3.4 §3.2):
// command_length, command_id, command_status, sequence_number, each a big-endian 32-bit integer.

/** The header's length: a PDU is never shorter. */
export const PDU_HEADER_LENGTH = 16;

export function commandIdOf(pdu: Uint8Array): number {
  return u32(pdu, 4);
}

export function commandStatusOf(pdu: Uint8Array): number {
  return u32(pdu, 8);
}

export function sequenceOf(pdu: Uint8Array): number {
  return u32(pdu, 12);
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * Splits a byte stream into PDUs. Feed it what the socket reads; it calls `onPdu` with each whole
 * PDU (a view into the read buffers, valid until the next feed) and returns false when the stream
 * is out of step (a length below 16 or above `maxLength`; `invalidLength` then says which).
 */
export class PduFramer {
  private pending: Buffer | undefined;
  /** The command_length that put the stream out of step, once feed has returned false. */
  invalidLength: number | undefined;

  constructor(
    private readonly onPdu: (pdu: Buffer) => void,
    readonly maxLength = 65_536,
  ) {}

  /** Bytes of a PDU begun but not complete. */
  get pendingBytes(): number {
    return this.pending?.length ?? 0;
  }

  feed(chunk: Buffer): boolean {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let o = 0;
    while (buf.length - o >= 4) {
      const length = buf.readUInt32BE(o);
      if (length < PDU_HEADER_LENGTH || length > this.maxLength) {
        this.invalidLength = length;
        return false;
      }
      if (buf.length - o < length) break;
      this.onPdu(buf.subarray(o, o + length));
      o += length;
    }
    // Keep a copy only of the partial PDU, not the whole chunk it came in.
    if (o < buf.length) this.pending = Buffer.from(buf.subarray(o));
    return true;
  }
}
