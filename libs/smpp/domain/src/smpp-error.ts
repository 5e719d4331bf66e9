import { commandStatusName, commandStatusInfo, CommandStatus } from '@smsgw/smpp/util-wire';

export type SmppErrorCode =
  /** The SMSC answered with a non-zero command_status (the code names it: SMPP.ESME_RINVPASWD). */
  | `SMPP.${string}`
  | 'SMPP.RESPONSE_TIMEOUT'
  | 'SMPP.CONNECTION_LOST'
  | 'SMPP.CONNECT_FAILED'
  | 'SMPP.NOT_BOUND'
  | 'SMPP.LINK_DEAD'
  | 'SMPP.CLOSED';

export interface SmppErrorOptions {
  /** The command_status from the SMSC, when the error is an SMPP response. */
  commandStatus?: number;
  /** Another attempt (on this or another carrier) may succeed. */
  retryable: boolean;
  /** The bind stays usable after this error; false means close and rebind. */
  sessionSurvives: boolean;
  /** The PDU may have reached the SMSC: resending could duplicate it. */
  outcomeUnknown?: boolean;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * Every SMPP failure: a stable `code`, the SMSC's command_status and its name when there is one,
 * and what to do about it (retry? rebind? is the outcome unknown?).
 */
export class SmppError extends Error {
  override readonly name = 'SmppError';
  readonly code: SmppErrorCode;
  readonly commandStatus: number | undefined;
  readonly statusName: string | undefined;
  readonly retryable: boolean;
  readonly sessionSurvives: boolean;
  readonly outcomeUnknown: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: SmppErrorCode, message: string, options: SmppErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.commandStatus = options.commandStatus;
    this.statusName = options.commandStatus === undefined ? undefined : commandStatusName(options.commandStatus);
    this.retryable = options.retryable;
    this.sessionSurvives = options.sessionSurvives;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
    this.details = options.details ?? {};
  }

  /** A bind_*_resp with an error: says which status and what it usually means. */
  static bindRejected(status: number, systemId: string): SmppError {
    const info = commandStatusInfo(status);
    const hint = BIND_HINTS[status] ?? 'check the carrier settings with the carrier';
    // ESME_RALYBND and throttling-like refusals clear up by themselves; wrong credentials do not.
    const transient = status === CommandStatus.ESME_RALYBND || status === CommandStatus.ESME_RSYSERR || status === CommandStatus.ESME_RBINDFAIL || status === CommandStatus.ESME_RTHROTTLED;
    return new SmppError(`SMPP.${info.name}`, `bind as "${systemId}" rejected with ${info.name} (0x${status.toString(16).padStart(8, '0')}, ${info.description}): ${hint}`, {
      commandStatus: status,
      retryable: transient,
      sessionSurvives: false,
      details: { systemId },
    });
  }

  /** A response with an error status to a request other than a bind. */
  static fromResponse(command: string, status: number): SmppError {
    const info = commandStatusInfo(status);
    return new SmppError(`SMPP.${info.name}`, `${command} answered ${info.name} (0x${status.toString(16).padStart(8, '0')}, ${info.description})`, {
      commandStatus: status,
      retryable: status !== CommandStatus.ESME_ROK,
      sessionSurvives: status !== CommandStatus.ESME_RINVBNDSTS,
    });
  }

  static responseTimeout(command: string, sequence: number, timeoutMs: number): SmppError {
    return new SmppError('SMPP.RESPONSE_TIMEOUT', `no ${command}_resp for sequence ${sequence} within ${timeoutMs} ms: the SMSC may or may not have it`, {
      retryable: false,
      sessionSurvives: true,
      outcomeUnknown: true,
      details: { sequence, timeoutMs },
    });
  }

  /** The connection closed while the request waited for its response. */
  static connectionLost(command: string, sequence: number, written: boolean, reason: string): SmppError {
    return new SmppError('SMPP.CONNECTION_LOST', `connection lost before ${command}_resp for sequence ${sequence} (${reason})${written ? ': the SMSC may or may not have it' : ''}`, {
      retryable: !written,
      sessionSurvives: false,
      outcomeUnknown: written,
      details: { sequence, written },
    });
  }

  static notBound(state: string): SmppError {
    return new SmppError('SMPP.NOT_BOUND', `the session is ${state}, not bound: nothing was sent`, { retryable: true, sessionSurvives: false });
  }

  static linkDead(timeoutMs: number): SmppError {
    return new SmppError('SMPP.LINK_DEAD', `no answer to enquire_link within ${timeoutMs} ms: the link is dead, reconnecting`, {
      retryable: true,
      sessionSurvives: false,
      details: { timeoutMs },
    });
  }
}

const BIND_HINTS: Record<number, string> = {
  [CommandStatus.ESME_RINVPASWD]: 'the password is wrong',
  [CommandStatus.ESME_RINVSYSID]: 'the system_id is unknown to the SMSC',
  [CommandStatus.ESME_RALYBND]: 'the SMSC thinks this system_id is already bound (too many binds, or a stale session); retrying later',
  [CommandStatus.ESME_RBINDFAIL]: 'the SMSC refused the bind (often: too many binds for this account, or our IP is not allowed)',
  [CommandStatus.ESME_RSYSERR]: 'the SMSC had an internal error; retrying later',
};
