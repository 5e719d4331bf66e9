import { Inject, Injectable } from '@nestjs/common';
import type { AccountPolicy, PumpingMode } from '@smsgw/accounts/domain';
import {
  EmailRefusal,
  bareMessageId,
  isTemporary,
  chooseSender,
  clientReference,
  envelopeSenderAllowed,
  idempotencyKey,
  mailVerdict,
  readRecipient,
  refusal,
  replyForSendError,
  smsText,
  type MailContent,
  type MailVerdict,
  type Recipient,
  type RecipientOutcome,
  type SmtpReply,
} from '@smsgw/email/domain';
import { CONFIG, LOGGER } from '@smsgw/shared/feature-ops';
import { maskNumber, type Logger } from '@smsgw/shared/util-logging';
import { SendRequest, type SendResult } from '@smsgw/shared/util-proto';
import { randomUUID } from 'node:crypto';
import type { EmailEnv } from '../env';
import { GrpcStatus, IngestClient, isServiceError } from '../ingest/ingest.client';
import { DeliveryReports } from './delivery-reports';
import { EmailMetrics } from './email.metrics';

/** Who an SMTP session sends as: verified by ingest at AUTH, kept for the session. */
export interface MailAccount {
  apiKey: string;
  accountId: string;
  keyId: string;
  policy: AccountPolicy;
}

/** A parsed mail: what the SMS is made of. */
export interface ReceivedMail extends MailContent {
  subject: string;
  /** The Message-ID header, with or without angle brackets; undefined when the mail has none. */
  messageId?: string;
}

/** The verdict, and the reply for each RCPT TO address (LMTP answers each; a number given twice shares its SMS's reply). */
export interface MailSubmission extends MailVerdict {
  byAddress: Map<string, SmtpReply>;
}

type Stage = 'auth' | 'mail_from' | 'rcpt_to' | 'data';
const STABLE_CODE = /^[A-Z]+\.[A-Z_]+$/;

/**
 * Email-to-SMS, one step per SMTP command: AUTH checks the API key with ingest, MAIL FROM the
 * account's envelope senders, RCPT TO each recipient (number, domain, country and number type,
 * so a bad one gets its own 550), DATA makes the SMS and sends them in one SendBatch.
 */
@Injectable()
export class ReceiveMailService {
  constructor(
    @Inject(CONFIG) private readonly config: EmailEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly ingest: IngestClient,
    private readonly metrics: EmailMetrics,
    private readonly reports: DeliveryReports,
  ) {}

  /** SMTP AUTH: the password is an API key; throws EmailRefusal 535 5.7.8 (bad key) or 454 4.7.0 (ingest unreachable). */
  async authenticate(apiKey: string): Promise<MailAccount> {
    try {
      const caller = await this.ingest.callerAccount(apiKey.trim());
      if (!caller.policy) throw new Error('ingest sent no policy');
      // The wire's pumping mode is a string; ingest only ever stores one of PumpingMode's values.
      return { apiKey: apiKey.trim(), accountId: caller.accountId, keyId: caller.keyId, policy: { ...caller.policy, pumpingMode: caller.policy.pumpingMode as PumpingMode } };
    } catch (err) {
      throw this.refused('auth', this.rpcRefusal(err, true));
    }
  }

  /** MAIL FROM: the account's envelope senders; throws 550 5.7.1 EMAIL.SENDER_NOT_ALLOWED. */
  checkEnvelopeSender(account: MailAccount, address: string): void {
    if (envelopeSenderAllowed(address, account.policy.emailSenders)) return;
    throw this.refused('mail_from', refusal('EMAIL.SENDER_NOT_ALLOWED', 550, '5.7.1', `<${address.slice(0, 80)}> may not send mail with this account's keys (allowed: ${account.policy.emailSenders.join(', ')})`));
  }

  /** RCPT TO: one recipient; throws 550 (bad domain, number, policy) or 452 4.5.3 (too many). */
  checkRecipient(account: MailAccount, address: string, recipientsSoFar: number): Recipient {
    if (recipientsSoFar >= this.config.EMAIL_MAX_RECIPIENTS) {
      throw this.refused('rcpt_to', refusal('EMAIL.TOO_MANY_RECIPIENTS', 452, '4.5.3', `at most ${this.config.EMAIL_MAX_RECIPIENTS} recipients per mail; send the others in another mail`));
    }
    try {
      return readRecipient(address, { domain: this.config.EMAIL_DOMAIN, policy: account.policy });
    } catch (err) {
      if (err instanceof EmailRefusal) {
        this.metrics.refusals.inc({ stage: 'rcpt_to', code: err.code });
        this.logger.info({ accountId: account.accountId, code: err.code }, 'recipient refused');
      }
      throw err;
    }
  }

  /**
   * DATA: the mail's SMS, one per recipient, in one SendBatch with the session's key. Returns the
   * verdict (replies per recipient and for the mail); throws EmailRefusal when the mail as a whole
   * cannot be sent (no text, no sender, ingest unreachable).
   */
  async submit(account: MailAccount, envelope: { from: string; to: readonly string[] }, mail: ReceivedMail): Promise<MailSubmission> {
    const started = process.hrtime.bigint();
    let text: string;
    let sender: string;
    try {
      const chosen = chooseSender(mail.subject, account.policy);
      sender = chosen.sender;
      text = smsText({ text: mail.text, html: mail.html, subject: chosen.subject });
    } catch (err) {
      throw err instanceof EmailRefusal ? this.refused('data', err) : err;
    }
    // Recipients were checked at RCPT TO; read again (pure) for their numbers, one SMS per number.
    const numberOf = new Map(envelope.to.map((a) => [a, readRecipient(a, { domain: this.config.EMAIL_DOMAIN, policy: account.policy }).number]));
    const numbers = [...new Set(numberOf.values())];
    const messageId = bareMessageId(mail.messageId);
    const reference = clientReference(messageId || `${randomUUID()}@${this.config.EMAIL_DOMAIN}`);
    const requests = numbers.map((to) =>
      SendRequest.create({
        to,
        from: sender,
        text,
        clientReference: reference,
        // No Message-ID: nothing identifies a resend, so no key (the mail is sent again).
        idempotencyKey: messageId ? idempotencyKey(messageId, to) : '',
        // Mail text is full of curly quotes and odd spaces; GSM look-alikes keep it in one encoding.
        smartEncoding: true,
      }),
    );
    let results: SendResult[];
    try {
      results = await this.ingest.sendBatch(account.apiKey, requests);
    } catch (err) {
      const refusedWhole = this.rpcRefusal(err, false);
      this.metrics.recipients.inc({ outcome: isTemporary(refusedWhole.reply) ? 'deferred' : 'refused' }, numbers.length);
      throw this.refused('data', refusedWhole);
    }
    const outcomes = results.map((r, i): RecipientOutcome => (r.accepted ? { number: numbers[i], accepted: { id: r.accepted.id, duplicate: r.accepted.duplicate } } : { number: numbers[i], refused: replyForSendError(r.error?.code ?? 'EMAIL.NO_ANSWER', r.error?.message ?? 'ingest gave no answer for this message') }));
    const verdict = mailVerdict(outcomes, maskNumber);
    this.metrics.submitSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.count(outcomes, verdict, results);
    this.logger.info(
      { accountId: account.accountId, keyId: account.keyId, clientReference: reference, messageIds: outcomes.flatMap((o) => ('accepted' in o ? [o.accepted.id] : [])), recipients: numbers.length, outcome: verdict.outcome, reply: verdict.reply.code },
      'mail submitted',
    );
    for (const [i, o] of outcomes.entries()) {
      if ('refused' in o) this.logger.warn({ accountId: account.accountId, to: numbers[i], code: results[i].error?.code, reply: o.refused.code }, 'recipient refused by ingest');
    }
    const fresh = outcomes.flatMap((o) => ('accepted' in o && !o.accepted.duplicate ? [{ id: o.accepted.id, to: o.number }] : []));
    // A resent mail (every SMS a duplicate) got its report the first time; a bounce (MAIL FROM <>) gets none.
    if (account.policy.emailReports && fresh.length > 0 && envelope.from !== '') {
      this.reports.request({ apiKey: account.apiKey, accountId: account.accountId, to: envelope.from, subject: mail.subject, messageId: mail.messageId ?? '', messages: fresh });
    }
    const byNumber = new Map(numbers.map((n, i) => [n, verdict.perRecipient[i]]));
    return { ...verdict, byAddress: new Map([...numberOf].map(([address, n]) => [address, byNumber.get(n) ?? verdict.reply])) };
  }

  /** Counts a mail the SMTP server refused before it was read (too large, not MIME). */
  countMail(outcome: 'too_large' | 'unreadable'): void {
    this.metrics.messages.inc({ outcome });
  }

  private count(outcomes: RecipientOutcome[], verdict: MailVerdict, results: SendResult[]): void {
    this.metrics.messages.inc({ outcome: verdict.outcome });
    for (const [i, o] of outcomes.entries()) {
      const outcome = 'accepted' in o ? (o.accepted.duplicate ? 'duplicate' : 'accepted') : o.refused.code < 500 ? 'deferred' : 'refused';
      this.metrics.recipients.inc({ outcome });
      if ('refused' in o) this.metrics.refusals.inc({ stage: 'data', code: stable(results[i].error?.code) });
    }
  }

  private refused(stage: Stage, err: EmailRefusal): EmailRefusal {
    this.metrics.refusals.inc({ stage, code: stable(err.code) });
    if (stage === 'data') this.metrics.messages.inc({ outcome: isTemporary(err.reply) ? 'deferred' : 'refused' });
    return err;
  }

  /** A failed gRPC call as an SMTP reply: bad key 535 (AUTH) or 550, over the rate 452, anything else 454/451 (try again). */
  private rpcRefusal(err: unknown, atAuth: boolean): EmailRefusal {
    if (!isServiceError(err)) {
      this.logger.error({ err }, 'ingest call failed');
      return refusal('EMAIL.GATEWAY_UNAVAILABLE', atAuth ? 454 : 451, atAuth ? '4.7.0' : '4.3.0', 'the gateway could not take the mail now; try again later');
    }
    const code = /\[([A-Z]+\.[A-Z_]+)\]$/.exec(err.details)?.[1];
    const why = err.details.replace(/\s*\[[A-Z_.]+\]$/, '');
    switch (err.code) {
      case GrpcStatus.UNAUTHENTICATED:
        return refusal(code ?? 'AUTH.INVALID_KEY', 535, '5.7.8', `${atAuth ? '' : 'the API key no longer works: '}${why}; the SMTP password is an smsgw API key`);
      case GrpcStatus.PERMISSION_DENIED:
        return refusal(code ?? 'AUTH.ACCOUNT_DISABLED', atAuth ? 535 : 550, atAuth ? '5.7.8' : '5.7.1', why);
      case GrpcStatus.RESOURCE_EXHAUSTED:
        return refusal(code ?? 'RATE.LIMITED', 452, '4.7.1', why);
      case GrpcStatus.INVALID_ARGUMENT:
        return refusal(code ?? 'VALIDATION.INVALID_REQUEST', 550, '5.6.0', why);
      default:
        this.logger.warn({ grpcCode: err.code, details: err.details }, 'ingest unavailable');
        return refusal('EMAIL.GATEWAY_UNAVAILABLE', atAuth ? 454 : 451, atAuth ? '4.7.0' : '4.3.0', 'the gateway could not take the mail now; try again later (a resend is not sent twice)');
    }
  }
}

const stable = (code: string | undefined) => (code && STABLE_CODE.test(code) ? code : 'OTHER');
