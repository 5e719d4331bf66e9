import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EmailRefusal, type SmtpReply } from '@smsgw/email/domain';
import { CONFIG, HealthRegistry, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { simpleParser } from 'mailparser';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { EmailEnv } from '../env';
import { EmailMetrics } from './email.metrics';
import { ReceiveMailService, type MailAccount } from './receive-mail.service';

/** An Error smtp-server turns into a reply line ("550 5.1.1 …": the enhanced code is in the text). */
const smtpError = (reply: SmtpReply): Error & { responseCode: number } => Object.assign(new Error(`${reply.enhanced} ${reply.text}`), { responseCode: reply.code });
const toSmtpError = (err: unknown): Error => (err instanceof EmailRefusal ? smtpError(err.reply) : smtpError({ code: 451, enhanced: '4.3.0', text: 'the mail could not be taken now; try again later' }));
const accountOf = (session: SMTPServerSession): MailAccount => session.user as unknown as MailAccount;

/**
 * The SMTP (or LMTP) listener: a thin transport over ReceiveMailService. AUTH is required before
 * MAIL FROM, and only over STARTTLS unless EMAIL_ALLOW_INSECURE_AUTH.
 */
@Injectable()
export class SmtpIntake implements OnModuleInit, OnApplicationShutdown {
  private server?: SMTPServer;
  private listening = false;

  constructor(
    @Inject(CONFIG) private readonly config: EmailEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly receiving: ReceiveMailService,
    private readonly metrics: EmailMetrics,
    health: HealthRegistry,
  ) {
    health.add('smtp', () => this.listening || 'the SMTP port is not listening');
  }

  /** The port bound (EMAIL_SMTP_PORT, or the one the system chose for 0). */
  get port(): number {
    return (this.server?.server.address() as AddressInfo | null)?.port ?? 0;
  }

  async onModuleInit(): Promise<void> {
    const server = new SMTPServer(this.options());
    this.server = server;
    server.on('error', (err) => this.logger.warn({ err: err.message }, 'SMTP connection error'));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.config.EMAIL_SMTP_PORT, this.config.EMAIL_SMTP_HOST, () => resolve());
    });
    this.listening = true;
    const tls = this.config.EMAIL_TLS_CERT_FILE !== '';
    this.logger.info({ smtpPort: this.port, domain: this.config.EMAIL_DOMAIN, starttls: tls, lmtp: this.config.EMAIL_LMTP }, `${this.config.EMAIL_LMTP ? 'LMTP' : 'SMTP'} intake listening`);
    if (this.config.EMAIL_ALLOW_INSECURE_AUTH) {
      this.logger.warn('EMAIL_ALLOW_INSECURE_AUTH is on: API keys may cross the network in clear text (AUTH without STARTTLS); use it on loopback or a trusted network only');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.listening = false;
    // close() waits for open sessions to end (smtp-server closes idle ones).
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private options(): SMTPServerOptions {
    const c = this.config;
    const tls = c.EMAIL_TLS_CERT_FILE !== '' || c.EMAIL_TLS_KEY_FILE !== '';
    if (tls && (c.EMAIL_TLS_CERT_FILE === '' || c.EMAIL_TLS_KEY_FILE === '')) throw new Error('EMAIL_TLS_CERT_FILE and EMAIL_TLS_KEY_FILE go together: give both, or neither');
    if (!tls && !c.EMAIL_ALLOW_INSECURE_AUTH) {
      throw new Error('no TLS certificate (EMAIL_TLS_CERT_FILE, EMAIL_TLS_KEY_FILE) and EMAIL_ALLOW_INSECURE_AUTH is off: no client could authenticate; give a certificate, or allow AUTH without TLS on a trusted network');
    }
    return {
      name: c.EMAIL_SERVER_NAME || undefined,
      banner: 'smsgw email-to-SMS',
      lmtp: c.EMAIL_LMTP,
      size: c.EMAIL_MAX_SIZE_BYTES,
      maxClients: c.EMAIL_MAX_CONNECTIONS,
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: false,
      allowInsecureAuth: c.EMAIL_ALLOW_INSECURE_AUTH,
      // Without a certificate smtp-server would offer STARTTLS with its built-in, public test key.
      hideSTARTTLS: !tls,
      ...(tls ? { key: readFileSync(c.EMAIL_TLS_KEY_FILE), cert: readFileSync(c.EMAIL_TLS_CERT_FILE) } : {}),
      disabledCommands: tls ? [] : ['STARTTLS'],
      // smtp-server's own logger would log addresses; ours logs what matters, redacted.
      logger: false,
      onConnect: (_session, callback) => {
        this.metrics.connections.inc();
        callback();
      },
      onClose: () => this.metrics.connections.dec(),
      onAuth: (auth, _session, callback) => {
        this.receiving.authenticate(auth.password ?? '').then(
          (account) => callback(null, { user: account }),
          (err: unknown) => callback(toSmtpError(err)),
        );
      },
      onMailFrom: (address, session, callback) => {
        try {
          this.receiving.checkEnvelopeSender(accountOf(session), address.address);
          callback();
        } catch (err) {
          callback(toSmtpError(err));
        }
      },
      onRcptTo: (address, session, callback) => {
        try {
          this.receiving.checkRecipient(accountOf(session), address.address, session.envelope.rcptTo.length);
          callback();
        } catch (err) {
          callback(toSmtpError(err));
        }
      },
      onData: (stream, session, callback) => {
        this.handleData(stream, session).then(
          (replies) => callback(null, replies as never),
          (err: unknown) => callback(toSmtpError(err)),
        );
      },
    };
  }

  /** Reads the mail and submits it; resolves with the reply text (SMTP) or one reply per recipient (LMTP). */
  private async handleData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string | (string | Error)[]> {
    const raw = await readBounded(stream, this.config.EMAIL_MAX_SIZE_BYTES);
    if (raw === undefined) {
      // smtp-server answers 552 itself; nothing of an oversized mail is sent.
      this.receiving.countMail('too_large');
      throw new EmailRefusal('EMAIL.TOO_LARGE', { code: 552, enhanced: '5.3.4', text: `the mail is larger than ${this.config.EMAIL_MAX_SIZE_BYTES} bytes [EMAIL.TOO_LARGE]` });
    }
    let parsed;
    try {
      parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    } catch {
      this.receiving.countMail('unreadable');
      throw new EmailRefusal('EMAIL.UNREADABLE', { code: 550, enhanced: '5.6.0', text: 'the mail could not be read as MIME [EMAIL.UNREADABLE]' });
    }
    const verdict = await this.receiving.submit(
      accountOf(session),
      { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
      { subject: parsed.subject ?? '', text: parsed.text, html: parsed.html, messageId: parsed.messageId },
    );
    if (this.config.EMAIL_LMTP) {
      // LMTP replies per RCPT TO, in order.
      return session.envelope.rcptTo.map((r) => {
        const reply = verdict.byAddress.get(r.address) ?? verdict.reply;
        return reply.code < 400 ? `${reply.enhanced} ${reply.text}` : smtpError(reply);
      });
    }
    if (verdict.reply.code >= 400) throw new EmailRefusal('EMAIL.REFUSED', verdict.reply);
    return `${verdict.reply.enhanced} ${verdict.reply.text}`;
  }
}

/**
 * The whole mail, or undefined once it is over the limit: smtp-server goes on streaming an
 * oversized mail (it only flags it), so the rest is read and dropped, never held in memory.
 */
async function readBounded(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= maxBytes && !stream.sizeExceeded) chunks.push(chunk);
  }
  return bytes > maxBytes || stream.sizeExceeded ? undefined : Buffer.concat(chunks, bytes);
}
