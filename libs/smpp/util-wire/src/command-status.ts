// SMPP command_status values (SMPP 3.4 §5.1.3, SMPP 5.0 §4.7.6) with their names: the one table the
// session, the SMPP server, the simulator and the carriers file read.

export interface CommandStatusInfo {
  readonly status: number;
  readonly name: string;
  readonly description: string;
}

const TABLE: readonly [number, string, string][] = [
  [0x0000, 'ESME_ROK', 'No error'],
  [0x0001, 'ESME_RINVMSGLEN', 'Message length is invalid'],
  [0x0002, 'ESME_RINVCMDLEN', 'Command length is invalid'],
  [0x0003, 'ESME_RINVCMDID', 'Invalid command id'],
  [0x0004, 'ESME_RINVBNDSTS', 'Incorrect bind status for given command'],
  [0x0005, 'ESME_RALYBND', 'ESME already in bound state'],
  [0x0006, 'ESME_RINVPRTFLG', 'Invalid priority flag'],
  [0x0007, 'ESME_RINVREGDLVFLG', 'Invalid registered delivery flag'],
  [0x0008, 'ESME_RSYSERR', 'System error'],
  [0x000a, 'ESME_RINVSRCADR', 'Invalid source address'],
  [0x000b, 'ESME_RINVDSTADR', 'Invalid destination address'],
  [0x000c, 'ESME_RINVMSGID', 'Message id is invalid'],
  [0x000d, 'ESME_RBINDFAIL', 'Bind failed'],
  [0x000e, 'ESME_RINVPASWD', 'Invalid password'],
  [0x000f, 'ESME_RINVSYSID', 'Invalid system id'],
  [0x0011, 'ESME_RCANCELFAIL', 'cancel_sm failed'],
  [0x0013, 'ESME_RREPLACEFAIL', 'replace_sm failed'],
  [0x0014, 'ESME_RMSGQFUL', 'Message queue full'],
  [0x0015, 'ESME_RINVSERTYP', 'Invalid service type'],
  [0x0033, 'ESME_RINVNUMDESTS', 'Invalid number of destinations'],
  [0x0034, 'ESME_RINVDLNAME', 'Invalid distribution list name'],
  [0x0040, 'ESME_RINVDESTFLAG', 'Destination flag is invalid'],
  [0x0042, 'ESME_RINVSUBREP', 'Invalid submit with replace request'],
  [0x0043, 'ESME_RINVESMCLASS', 'Invalid esm_class field data'],
  [0x0044, 'ESME_RCNTSUBDL', 'Cannot submit to distribution list'],
  [0x0045, 'ESME_RSUBMITFAIL', 'submit_sm or submit_multi failed'],
  [0x0048, 'ESME_RINVSRCTON', 'Invalid source address TON'],
  [0x0049, 'ESME_RINVSRCNPI', 'Invalid source address NPI'],
  [0x0050, 'ESME_RINVDSTTON', 'Invalid destination address TON'],
  [0x0051, 'ESME_RINVDSTNPI', 'Invalid destination address NPI'],
  [0x0053, 'ESME_RINVSYSTYP', 'Invalid system_type field'],
  [0x0054, 'ESME_RINVREPFLAG', 'Invalid replace_if_present flag'],
  [0x0055, 'ESME_RINVNUMMSGS', 'Invalid number of messages'],
  [0x0058, 'ESME_RTHROTTLED', 'Throttling error (ESME has exceeded allowed message limits)'],
  [0x0061, 'ESME_RINVSCHED', 'Invalid scheduled delivery time'],
  [0x0062, 'ESME_RINVEXPIRY', 'Invalid message validity period (expiry time)'],
  [0x0063, 'ESME_RINVDFTMSGID', 'Predefined message invalid or not found'],
  [0x0064, 'ESME_RX_T_APPN', 'ESME receiver temporary app error code'],
  [0x0065, 'ESME_RX_P_APPN', 'ESME receiver permanent app error code'],
  [0x0066, 'ESME_RX_R_APPN', 'ESME receiver reject message error code'],
  [0x0067, 'ESME_RQUERYFAIL', 'query_sm request failed'],
  [0x00c0, 'ESME_RINVTLVSTREAM', 'Error in the optional part of the PDU body'],
  [0x00c1, 'ESME_RTLVNOTALLWD', 'TLV not allowed'],
  [0x00c2, 'ESME_RINVTLVLEN', 'Invalid parameter length'],
  [0x00c3, 'ESME_RMISSINGTLV', 'Expected TLV missing'],
  [0x00c4, 'ESME_RINVTLVVAL', 'Invalid TLV value'],
  [0x00fe, 'ESME_RDELIVERYFAILURE', 'Transaction delivery failure'],
  [0x00ff, 'ESME_RUNKNOWNERR', 'Unknown error'],
  [0x0100, 'ESME_RSERTYPUNAUTH', 'ESME not authorised to use specified service_type'],
  [0x0101, 'ESME_RPROHIBITED', 'ESME prohibited from using specified operation'],
  [0x0102, 'ESME_RSERTYPUNAVAIL', 'Specified service_type is unavailable'],
  [0x0103, 'ESME_RSERTYPDENIED', 'Specified service_type is denied'],
  [0x0104, 'ESME_RINVDCS', 'Invalid data coding scheme'],
  [0x0105, 'ESME_RINVSRCADDRSUBUNIT', 'Source address subunit is invalid'],
  [0x0106, 'ESME_RINVDSTADDRSUBUNIT', 'Destination address subunit is invalid'],
  [0x0107, 'ESME_RINVBCASTFREQINT', 'Broadcast frequency interval is invalid'],
  [0x0108, 'ESME_RINVBCASTALIAS_NAME', 'Broadcast alias name is invalid'],
  [0x0109, 'ESME_RINVBCASTAREAFMT', 'Broadcast area format is invalid'],
  [0x010a, 'ESME_RINVNUMBCAST_AREAS', 'Number of broadcast areas is invalid'],
  [0x010b, 'ESME_RINVBCASTCNTTYPE', 'Broadcast content type is invalid'],
  [0x010c, 'ESME_RINVBCASTMSGCLASS', 'Broadcast message class is invalid'],
  [0x010d, 'ESME_RBCASTFAIL', 'broadcast_sm operation failed'],
  [0x010e, 'ESME_RBCASTQUERYFAIL', 'query_broadcast_sm operation failed'],
  [0x010f, 'ESME_RBCASTCANCELFAIL', 'cancel_broadcast_sm operation failed'],
  [0x0110, 'ESME_RINVBCAST_REP', 'Number of repeated broadcasts is invalid'],
  [0x0111, 'ESME_RINVBCASTSRVGRP', 'Broadcast service group is invalid'],
  [0x0112, 'ESME_RINVBCASTCHANIND', 'Broadcast channel indicator is invalid'],
];

const BY_STATUS = new Map<number, CommandStatusInfo>(TABLE.map(([status, name, description]) => [status, { status, name, description }]));
const BY_NAME = new Map<string, CommandStatusInfo>(TABLE.map(([status, name, description]) => [name, { status, name, description }]));

/** Well-known statuses by name, for code that needs one (`CommandStatus.ESME_RTHROTTLED`). */
export const CommandStatus = {
  ESME_ROK: 0x0000,
  ESME_RINVMSGLEN: 0x0001,
  ESME_RINVCMDLEN: 0x0002,
  ESME_RINVCMDID: 0x0003,
  ESME_RINVBNDSTS: 0x0004,
  ESME_RALYBND: 0x0005,
  ESME_RSYSERR: 0x0008,
  ESME_RINVSRCADR: 0x000a,
  ESME_RINVDSTADR: 0x000b,
  ESME_RBINDFAIL: 0x000d,
  ESME_RINVPASWD: 0x000e,
  ESME_RINVSYSID: 0x000f,
  ESME_RMSGQFUL: 0x0014,
  ESME_RSUBMITFAIL: 0x0045,
  ESME_RINVSRCTON: 0x0048,
  ESME_RINVSRCNPI: 0x0049,
  ESME_RINVDSTTON: 0x0050,
  ESME_RINVDSTNPI: 0x0051,
  ESME_RTHROTTLED: 0x0058,
  ESME_RINVEXPIRY: 0x0062,
  ESME_RX_T_APPN: 0x0064,
  ESME_RX_P_APPN: 0x0065,
  ESME_RINVTLVSTREAM: 0x00c0,
  ESME_RUNKNOWNERR: 0x00ff,
  ESME_RINVDCS: 0x0104,
} as const;

/** "ESME_RTHROTTLED" for 0x58; vendor-specific values as "0x00000401". */
export function commandStatusName(status: number): string {
  return BY_STATUS.get(status)?.name ?? `0x${(status >>> 0).toString(16).padStart(8, '0')}`;
}

export function commandStatusInfo(status: number): CommandStatusInfo {
  return BY_STATUS.get(status) ?? { status, name: commandStatusName(status), description: 'Vendor-specific or reserved error' };
}

/** The status of a name ("ESME_RINVDSTADR", any case); undefined for a name the table does not list. */
export function commandStatusOfName(name: string): number | undefined {
  return BY_NAME.get(name.toUpperCase())?.status;
}

/** Reads a status written as a name ("ESME_RINVDSTADR"), hex ("0x0B") or decimal ("11"); undefined when unreadable. */
export function parseCommandStatus(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 0xffffffff ? value : undefined;
  const v = value.trim();
  const known = BY_NAME.get(v.toUpperCase());
  if (known) return known.status;
  if (/^0x[0-9a-f]{1,8}$/i.test(v)) return parseInt(v, 16);
  if (/^\d{1,10}$/.test(v)) {
    const n = Number(v);
    return n <= 0xffffffff ? n : undefined;
  }
  return undefined;
}

/** The permanent set when a carrier configures none: errors another attempt cannot fix. */
export const DEFAULT_PERMANENT_STATUSES: readonly number[] = [
  CommandStatus.ESME_RINVMSGLEN,
  CommandStatus.ESME_RINVSRCADR,
  CommandStatus.ESME_RINVDSTADR,
  CommandStatus.ESME_RINVSRCTON,
  CommandStatus.ESME_RINVSRCNPI,
  CommandStatus.ESME_RINVDSTTON,
  CommandStatus.ESME_RINVDSTNPI,
  CommandStatus.ESME_RINVEXPIRY,
];

/** Statuses that say "slow down": never a failure, the segment is resent later in its place. */
export const THROTTLING_STATUSES: readonly number[] = [CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL];

