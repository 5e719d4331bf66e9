import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { addEvidence, alternativeSubmitIds, detectIdFormat, type IdFormatEvidence, type MixedIdFormat } from '@smsgw/dlr/domain';
import { TOPICS } from '@smsgw/shared/data-access-kafka';
import { CONFIG, LOGGER, PG_POOL, repeatEvery, type RepeatingTask } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { correlationKey, inTransaction, moveReceiptsToSubmissions, unmatchedReceiptIds, waitingSubmissions } from '@smsgw/status/data-access-store';
import type { Pool } from 'pg';
import type { DlrEnv } from '../env';
import { AppProducer } from '@smsgw/shared/feature-ops';
import { DlrMetrics } from '../project-status/dlr.metrics';
import { ReceiptIdFormats } from './receipt-id-formats';

type Evidence = Partial<Record<MixedIdFormat, IdFormatEvidence>>;

/** Only receipts of the last hour are read (those the unmatched-receipts gauge counts too). */
const WINDOW_MS = 3_600_000;
const SCAN_LIMIT = 2_000;

/**
 * Finds carriers whose receipts write the SMSC id in another base than their submit_sm_resp (and
 * whose carriers file does not say so): reads the receipts the expiry sweep marked unmatched
 * (DLR_UNMATCHED_AFTER_SECONDS without a submission), looks for waiting
 * submissions under the other readings of their ids (libs/dlr/domain receipt-id-detection decides),
 * and once a format is shown uses it for that carrier (ReceiptIdFormats), says so once (log line,
 * smsgw_receipt_id_format_detected), and moves the receipts already stored under the other reading
 * onto their submissions — on every scan, since submissions stored before the switch keep the old
 * reading. Kept in memory: after a restart the traffic shows it again; the carriers file makes it
 * permanent (receiptIdFormat).
 */
@Injectable()
export class ReceiptIdDetector implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private task: RepeatingTask | undefined;
  private readonly evidence = new Map<string, Evidence>();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: DlrEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly formats: ReceiptIdFormats,
    private readonly producer: AppProducer,
    private readonly metrics: DlrMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.DLR_ID_FORMAT_DETECTION_SECONDS;
    if (seconds > 0) this.task = repeatEvery(seconds * 1000, () => this.scan(), (err) => this.logger.error({ err }, 'receipt id format scan failed; it runs again at the next interval'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }

  /** One scan; returns how many receipts it moved onto their submissions. */
  async scan(now = Date.now()): Promise<number> {
    const receipts = await unmatchedReceiptIds(this.pool, { sinceMs: now - WINDOW_MS, limit: SCAN_LIMIT, skipCarriers: this.formats.configured() });
    if (receipts.length === 0) return 0;
    const readings = receipts.flatMap((r) => alternativeSubmitIds(r.smscMessageId).map((a) => ({ ...a, carrierId: r.carrierId, receiptId: r.smscMessageId })));
    const waiting = await waitingSubmissions(
      this.pool,
      readings.map((a) => ({ carrierId: a.carrierId, smscMessageId: a.submitId })),
    );
    const scanned = new Map<string, Evidence>();
    for (const a of readings) {
      const e = scanned.get(a.carrierId) ?? {};
      const f = e[a.format] ?? { tested: 0, hits: 0 };
      e[a.format] = { tested: f.tested + 1, hits: f.hits + (waiting.has(correlationKey(a.carrierId, a.submitId)) ? 1 : 0) };
      scanned.set(a.carrierId, e);
    }
    for (const [carrier, e] of scanned) {
      if (this.formats.detectedFor(carrier)) continue;
      const known = addEvidence(this.evidence.get(carrier) ?? {}, e);
      this.evidence.set(carrier, known);
      const format = detectIdFormat(known);
      if (!format) continue;
      this.formats.useDetected(carrier, format);
      this.metrics.idFormatDetected.set({ carrier, format }, 1);
      this.logger.warn(
        { carrier, receiptIdFormat: format, evidence: known[format] },
        `carrier ${carrier} writes receipt ids in another base than its submit_sm_resp ids: matching them as ${format} from now on (set receiptIdFormat: ${format} in the carriers file to keep it across restarts)`,
      );
    }
    const moves = readings.filter((a) => this.formats.detectedFor(a.carrierId) === a.format && waiting.has(correlationKey(a.carrierId, a.submitId)));
    if (moves.length === 0) return 0;
    const result = await inTransaction(this.pool, async (client) => {
      const r = await moveReceiptsToSubmissions(client, moves);
      await this.producer.sendMany(r.events.map((value) => ({ topic: TOPICS.status, key: value.messageId, value })));
      return r;
    });
    this.metrics.recordChanges(result.events);
    this.metrics.receiptsRematched.inc(result.matched);
    return result.matched;
  }
}
