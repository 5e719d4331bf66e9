/**
 * How the text is carried, by short name: GSM 03.38 septets, UTF-16BE code units, or ISO-8859-1
 * octets. On the wire it is util-proto's `Encoding` enum (encodingOfName / encodingName map them).
 */
export type EncodingName = 'gsm7' | 'ucs2' | 'latin1';

/** National language tables of 3GPP TS 23.038 annex A that this library implements. */
export type NationalLanguage = 'turkish' | 'spanish' | 'portuguese';

/** Which national shift IEs a GSM-7 message uses (UDH IE 0x24 single shift, 0x25 locking shift). */
export type NationalShift = 'single' | 'locking' | 'locking+single';

/**
 * How a long message is split for SMPP:
 * - `udh8` / `udh16`: concatenation UDH (IE 0x00 / 0x08) in each short_message;
 * - `sar`: no concatenation UDH, sar_* TLVs per segment (the SMSC adds the UDH);
 * - `payload`: one submit with the whole message in message_payload (the SMSC splits).
 */
export type Concatenation = 'udh8' | 'udh16' | 'sar' | 'payload';

/** A look-alike character that smart encoding replaced, and how often. */
export interface Replacement {
  from: string;
  to: string;
  count: number;
}

/** Values for the SMPP sar_msg_ref_num, sar_total_segments and sar_segment_seqnum TLVs. */
export interface SarParameters {
  msgRefNum: number;
  totalSegments: number;
  segmentSeqnum: number;
}

/** One submit_sm's worth of user data. */
export interface Segment {
  /** short_message (or message_payload) octets, including the UDH when there is one. */
  bytes: Uint8Array;
  /** The UDH at the start of `bytes` (set esm_class UDHI when present). */
  udh?: Uint8Array;
  /** Septets (gsm7, escapes count 2), UTF-16 code units (ucs2) or octets (latin1), UDH excluded. */
  units: number;
  sar?: SarParameters;
}

export interface EncodeOptions {
  /** Replace look-alikes (curly quotes, dashes, odd spaces, …) when that avoids UCS-2. */
  smart?: boolean;
  /** National tables the carrier supports; used only when they beat UCS-2 (and Latin-1). */
  nationalLanguages?: readonly NationalLanguage[];
  /** The carrier accepts data_coding 3: use ISO-8859-1 instead of UCS-2 when the text fits. */
  latin1?: boolean;
  /** Default `udh8`. */
  concatenation?: Concatenation;
  /**
   * Concatenation reference (0–255 for udh8, 0–65535 for udh16 and sar); a function is called
   * only when the message needs more than one segment, so references are not spent on short ones.
   */
  reference?: number | (() => number);
  /** At most this many segments (never more than 255, the UDH limit). */
  maxSegments?: number;
  /** data_coding for GSM-7; default 0 (some carriers need 1 or 3 for the same septets). */
  gsm7DataCoding?: number;
  /** Pack GSM-7 septets (7 bits each) instead of one septet per octet. */
  packed?: boolean;
}

/** The cheap answer: what `encode` would choose and how many segments, without building bytes. */
export interface MessageCount {
  encoding: EncodingName;
  national?: NationalLanguage;
  nationalShift?: NationalShift;
  dataCoding: number;
  /** Segments the handset receives (for `payload`, as the SMSC will split it). */
  segments: number;
  /** Units in each of those segments. */
  units: number[];
  replaced: Replacement[];
  /** The text that is encoded: the input, or the input after smart replacements. */
  text: string;
}

export interface EncodedMessage {
  encoding: EncodingName;
  national?: NationalLanguage;
  nationalShift?: NationalShift;
  dataCoding: number;
  concatenation: Concatenation;
  /** What to submit, in order: one entry per submit_sm (one only for `payload`). */
  segments: Segment[];
  /** Units of each entry of `segments`. */
  units: number[];
  /** Segments the handset receives; equals segments.length except for `payload`. */
  segmentCount: number;
  replaced: Replacement[];
  text: string;
}

export interface ConcatInfo {
  reference: number;
  total: number;
  sequence: number;
  /** 8 or 16 for UDH IE 0x00 / 0x08; 16 when taken from SAR TLVs. */
  referenceBits: 8 | 16;
}

export interface InformationElement {
  id: number;
  data: Uint8Array;
}

export interface DecodeOptions {
  /** SMPP data_coding: 0 and 1 GSM-7, 3 Latin-1, 8 UCS-2 (and the GSM 03.38 DCS groups 0x0X/0x1X/0xFX). */
  dataCoding: number;
  /** esm_class UDHI (0x40): the bytes start with a UDH. */
  udhi?: boolean;
  /** GSM-7 septets are packed. */
  packed?: boolean;
  /** Septet count (TP-UDL) when known; otherwise derived from the octet count. */
  septets?: number;
  /** sar_* TLVs of the deliver_sm, when the carrier uses them instead of a UDH. */
  sar?: SarParameters;
}

export interface DecodedSegment {
  text: string;
  encoding: EncodingName;
  concat?: ConcatInfo;
  /** Shift tables named in the UDH (unknown language ids decode with the default table). */
  national?: { lockingShift?: NationalLanguage; singleShift?: NationalLanguage };
  /** Every IE of the UDH in order, including the ones interpreted above. */
  informationElements: InformationElement[];
}
