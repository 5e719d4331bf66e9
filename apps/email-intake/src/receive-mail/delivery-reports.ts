import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { deliveryReport, type ReportedMessage } from '@smsgw/email/domain';
import { CONFIG, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { MessageStatus } from '@smsgw/shared/util-proto';
import { createTransport, type Transporter } from 'nodemailer';
import type { EmailEnv } from '../env';
import { IngestClient } from '../ingest/ingest.client';
import { EmailMetrics } from './email.metrics';

const FINAL = new Set([MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.EXPIRED, MessageStatus.REJECTED, MessageStatus.FAILED, MessageStatus.CANCELED]);

/** A mail whose sender gets a report: where to, what it was, and its SMS. */
export interface ReportRequest {
  apiKey: string;
  accountId: string;
  /** The envelope sender (MAIL FROM). */
  to: string;
  subject: string;
  /** The mail's Message-ID header, for In-Reply-To ('' when none). */
  messageId: string;
  messages: { id: string; to: string }[];
}

/**
 * Delivery reports by email, for accounts whose policy asks for them: watches the mail's SMS with
 * ingest's WatchStatus (the sender's key, so only its own messages) and, once all are final or
 * EMAIL_REPORT_WAIT_SECONDS have passed, mails the envelope sender one report through
 * EMAIL_REPORT_SMTP_URL. Waiting reports live in memory: a restart loses them (counted as skipped
 * at shutdown); the SMS themselves are unaffected.
 */
@Injectable()
export class DeliveryReports implements OnApplicationShutdown {
  private readonly transport?: Transporter;
  private readonly stopping = new AbortController();
  private pending = 0;

  constructor(
    @Inject(CONFIG) private readonly config: EmailEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly ingest: IngestClient,
    private readonly metrics: EmailMetrics,
  ) {
    if (config.EMAIL_REPORT_SMTP_URL) this.transport = createTransport(config.EMAIL_REPORT_SMTP_URL);
  }

  /** Starts waiting for the report's statuses; returns at once. */
  request(report: ReportRequest): void {
    if (!this.transport || this.pending >= this.config.EMAIL_REPORT_MAX_PENDING || this.stopping.signal.aborted) {
      this.metrics.reports.inc({ result: 'skipped' });
      this.logger.warn({ accountId: report.accountId, messages: report.messages.length, reason: this.transport ? 'too many pending' : 'EMAIL_REPORT_SMTP_URL is not set' }, 'delivery report skipped');
      return;
    }
    this.pending++;
    this.metrics.reportsPending.set(this.pending);
    void this.send(report).finally(() => {
      this.pending--;
      this.metrics.reportsPending.set(this.pending);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    this.transport?.close();
  }

  private async send(report: ReportRequest): Promise<void> {
    const waited = this.config.EMAIL_REPORT_WAIT_SECONDS;
    try {
      const latest = await this.ingest.watchStatus(report.apiKey, report.messages.map((m) => m.id), waited * 1000, this.stopping.signal);
      if (this.stopping.signal.aborted) {
        this.metrics.reports.inc({ result: 'skipped' });
        return;
      }
      const messages = report.messages.map((m): ReportedMessage => {
        const u = latest.get(m.id);
        const status = u?.status ?? MessageStatus.ACCEPTED;
        return { id: m.id, to: m.to, status: MessageStatus[status] ?? String(status), final: FINAL.has(status), reasonCode: u?.reasonCode ?? '', reason: u?.reason ?? '' };
      });
      const { subject, text } = deliveryReport({ subject: report.subject }, messages, waited);
      const from = this.config.EMAIL_REPORT_FROM || `postmaster@${this.config.EMAIL_DOMAIN}`;
      await this.transport?.sendMail({ from, to: report.to, subject, text, ...(report.messageId ? { inReplyTo: report.messageId, references: report.messageId } : {}) });
      this.metrics.reports.inc({ result: 'sent' });
      this.logger.info({ accountId: report.accountId, messageIds: report.messages.map((m) => m.id) }, 'delivery report sent');
    } catch (err) {
      this.metrics.reports.inc({ result: 'failed' });
      this.logger.warn({ accountId: report.accountId, messageIds: report.messages.map((m) => m.id), err: (err as Error).message }, 'delivery report not sent');
    }
  }
}
