/** A two-way request that cannot be done: a bad number or keyword, a number held by another account, nothing to remove. */
export type InboundErrorCode = 'INBOUND.INVALID_NUMBER' | 'INBOUND.INVALID_KEYWORD' | 'INBOUND.NUMBER_TAKEN' | 'INBOUND.NOT_FOUND' | 'INBOUND.INVALID_SETTINGS' | 'INBOUND.INVALID_KEYWORDS_FILE';

export class InboundError extends Error {
  constructor(
    readonly code: InboundErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InboundError';
  }
}

/** The handset opted out of this account's (or this sender's) messages: refused at accept. */
export class OptedOutError extends Error {
  readonly code = 'POLICY.OPTED_OUT';
  readonly field = 'to';

  constructor(message = 'to: the handset opted out of this account\'s messages (it sent STOP); it can opt in again by sending START, or an admin can lift it: smsgw optout remove <account> <number>') {
    super(message);
    this.name = 'OptedOutError';
  }
}
