// SMPP command_id values (SMPP 3.4 §5.1.2.1): a response is its request's id with bit 31 set.

export const CommandId = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_transmitter: 0x00000002,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  bind_transceiver: 0x00000009,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  alert_notification: 0x00000102,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
  bind_receiver_resp: 0x80000001,
  bind_transmitter_resp: 0x80000002,
  bind_transceiver_resp: 0x80000009,
} as const;

export type CommandName = keyof typeof CommandId;

/** The response bit of command_id. */
export const RESPONSE_BIT = 0x80000000;

const NAMES = new Map<number, CommandName>(Object.entries(CommandId).map(([name, id]) => [id >>> 0, name as CommandName]));

/** "submit_sm" for 0x00000004; undefined for a command this table does not list. */
export function commandName(commandId: number): CommandName | undefined {
  return NAMES.get(commandId >>> 0);
}

export function isResponse(commandId: number): boolean {
  return (commandId & RESPONSE_BIT) !== 0;
}

/** esm_class bits the gateway reads and writes (SMPP 3.4 §5.2.12). */
export const EsmClass = {
  /** Message type: SMSC delivery receipt. */
  DELIVERY_RECEIPT: 0x04,
  /** The short_message starts with a user data header. */
  UDHI: 0x40,
} as const;
