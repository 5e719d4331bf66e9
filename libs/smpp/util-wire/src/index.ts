// The SMPP wire, described once: command ids, command_status names, TLV tags, framing of a TCP
// stream into PDUs, the body reader and writer, and the receipt stat words. Pure (no sockets, no node-smpp); the carrier
// session, the SMPP server, the simulator and the carriers file all read it.
export * from './command-id';
export * from './command-status';
export * from './tlv';
export * from './framing';
export * from './body-reader';
export * from './body-writer';
export * from './receipt-stat';
