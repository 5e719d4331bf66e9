import { CommandStatus, DEFAULT_PERMANENT_STATUSES } from '@smsgw/smpp/util-wire';
import { SmppError, classifySubmitStatus, smppReasonCode } from './index';

const policy = { permanent: new Set(DEFAULT_PERMANENT_STATUSES) };

describe('command_status', () => {
  it('names the reason code after the status', () => {
    expect(smppReasonCode(0x14)).toBe('SMPP.ESME_RMSGQFUL');
    expect(smppReasonCode(0x401)).toBe('SMPP.0x00000401');
  });

  it('classifies submit_sm_resp statuses', () => {
    expect(classifySubmitStatus(0, policy)).toBe('submitted');
    expect(classifySubmitStatus(CommandStatus.ESME_RTHROTTLED, policy)).toBe('throttled');
    expect(classifySubmitStatus(CommandStatus.ESME_RMSGQFUL, policy)).toBe('throttled');
    expect(classifySubmitStatus(CommandStatus.ESME_RINVBNDSTS, policy)).toBe('rebind');
    expect(classifySubmitStatus(CommandStatus.ESME_RINVDSTADR, policy)).toBe('permanent');
    expect(classifySubmitStatus(CommandStatus.ESME_RINVSRCADR, policy)).toBe('permanent');
    expect(classifySubmitStatus(CommandStatus.ESME_RSYSERR, policy)).toBe('retryable');
    expect(classifySubmitStatus(0x401, policy)).toBe('retryable');
    // The permanent set is the carrier's.
    expect(classifySubmitStatus(CommandStatus.ESME_RSYSERR, { permanent: new Set([8]) })).toBe('permanent');
    // Throttling can never be made permanent.
    expect(classifySubmitStatus(CommandStatus.ESME_RTHROTTLED, { permanent: new Set([0x58]) })).toBe('throttled');
  });
});

describe('SmppError', () => {
  it('carries the bind status, its name and what to do', () => {
    const e = SmppError.bindRejected(0x0e, 'smsgw');
    expect(e).toMatchObject({ code: 'SMPP.ESME_RINVPASWD', commandStatus: 0x0e, statusName: 'ESME_RINVPASWD', retryable: false, sessionSurvives: false });
    expect(e.message).toContain('the password is wrong');
    expect(SmppError.bindRejected(0x05, 'x')).toMatchObject({ code: 'SMPP.ESME_RALYBND', retryable: true });
  });

  it('marks timeouts and lost connections as unknown outcomes only when the PDU was written', () => {
    expect(SmppError.responseTimeout('submit_sm', 7, 1000)).toMatchObject({ code: 'SMPP.RESPONSE_TIMEOUT', outcomeUnknown: true, sessionSurvives: true });
    expect(SmppError.connectionLost('submit_sm', 7, true, 'reset')).toMatchObject({ outcomeUnknown: true, retryable: false });
    expect(SmppError.connectionLost('submit_sm', 7, false, 'reset')).toMatchObject({ outcomeUnknown: false, retryable: true });
  });
});
