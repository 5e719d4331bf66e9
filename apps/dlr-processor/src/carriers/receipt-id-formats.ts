import { existsSync, readFileSync, statSync } from 'node:fs';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { RECEIPT_ID_FORMATS, RECEIPT_STATS, isReceiptIdFormat, isReceiptStat, statWordKey, type ReceiptIdFormat, type ReceiptStat, type StatWords } from '@smsgw/dlr/domain';
import { CONFIG, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { parse as parseYaml } from 'yaml';
import type { DlrEnv } from '../env';

export class ReceiptIdFormatError extends Error {
  readonly code = 'DLR.CARRIERS_FILE_INVALID';
}

/** What the dlr-processor reads of one carrier: how its receipt ids are written, and its own stat words. */
export interface CarrierReceiptSettings {
  idFormats: Map<string, ReceiptIdFormat>;
  statWords: Map<string, StatWords>;
  /** smscValiditySeconds: how long each carrier's SMSC keeps trying a message that gave no validity. */
  validitySeconds: Map<string, number>;
}

/** `carriers.<id>.receiptIdFormat` of the carriers file (see receiptSettingsFromYaml). */
export function receiptIdFormatsFromYaml(text: string, source = 'carriers file'): Map<string, ReceiptIdFormat> {
  return receiptSettingsFromYaml(text, source).idFormats;
}

/**
 * Reads `carriers.<id>.receiptIdFormat` and `carriers.<id>.receiptStats` from the carriers file
 * and nothing else (the connector validates the rest). Absent fields → "same", no own words.
 */
export function receiptSettingsFromYaml(text: string, source = 'carriers file'): CarrierReceiptSettings {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ReceiptIdFormatError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const formats = new Map<string, ReceiptIdFormat>();
  const statWords = new Map<string, StatWords>();
  const validitySeconds = new Map<string, number>();
  const carriers = (doc as { carriers?: unknown } | null)?.carriers;
  if (carriers === undefined || carriers === null) return { idFormats: formats, statWords, validitySeconds };
  if (typeof carriers !== 'object' || Array.isArray(carriers)) throw new ReceiptIdFormatError(`${source}: "carriers" must be a map of carrier id to settings`);
  const problems: string[] = [];
  for (const [id, settings] of Object.entries(carriers as Record<string, unknown>)) {
    const words = (settings as { receiptStats?: unknown } | null)?.receiptStats;
    if (words !== undefined && words !== null) {
      if (typeof words !== 'object' || Array.isArray(words)) problems.push(`carriers.${id}.receiptStats: expected a mapping of the carrier's word to an SMPP 3.4 stat`);
      else {
        const map = new Map<string, ReceiptStat>();
        for (const [word, stat] of Object.entries(words as Record<string, unknown>)) {
          if (isReceiptStat(stat)) map.set(statWordKey(word), stat);
          else problems.push(`carriers.${id}.receiptStats.${word}: expected one of ${RECEIPT_STATS.join(', ')}, got ${JSON.stringify(stat)}`);
        }
        statWords.set(id, map);
      }
    }
    const validity = (settings as { smscValiditySeconds?: unknown } | null)?.smscValiditySeconds;
    if (validity !== undefined && validity !== null) {
      if (typeof validity === 'number' && Number.isInteger(validity) && validity >= 0 && validity <= 7 * 86_400) validitySeconds.set(id, validity);
      else problems.push(`carriers.${id}.smscValiditySeconds: expected whole seconds from 0 to 604800, got ${JSON.stringify(validity)}`);
    }
    const value = (settings as { receiptIdFormat?: unknown } | null)?.receiptIdFormat;
    if (value === undefined || value === null) continue;
    if (!isReceiptIdFormat(value)) {
      problems.push(`carriers.${id}.receiptIdFormat: expected one of ${RECEIPT_ID_FORMATS.join(', ')}, got ${JSON.stringify(value)}`);
      continue;
    }
    formats.set(id, value);
  }
  if (problems.length) throw new ReceiptIdFormatError(`${source}: ${problems.join('; ')}`);
  return { idFormats: formats, statWords, validitySeconds };
}

/** Each carrier's receipt id format and stat words, from CARRIERS_FILE, re-read when the file changes. */
@Injectable()
export class ReceiptIdFormats implements OnApplicationShutdown {
  private formats = new Map<string, ReceiptIdFormat>();
  /** Formats found from the traffic (ReceiptIdDetector) for carriers the file says nothing about. */
  private readonly detected = new Map<string, ReceiptIdFormat>();
  private words = new Map<string, StatWords>();
  private validities = new Map<string, number>();
  private mtimeMs = -1;
  private readonly timer: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: DlrEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.reload(true);
    this.timer = setInterval(() => this.reload(false), 5_000);
    this.timer.unref();
  }

  of(carrierId: string): ReceiptIdFormat {
    return this.formats.get(carrierId) ?? this.detected.get(carrierId) ?? 'same';
  }

  /** Carriers whose receiptIdFormat the file gives (detection leaves them alone). */
  configured(): string[] {
    return [...this.formats.keys()];
  }

  /** The format detected for a carrier, if any and the file does not override it. */
  detectedFor(carrierId: string): ReceiptIdFormat | undefined {
    return this.formats.has(carrierId) ? undefined : this.detected.get(carrierId);
  }

  useDetected(carrierId: string, format: ReceiptIdFormat): void {
    this.detected.set(carrierId, format);
  }

  /** The carrier's own stat words (carriers file receiptStats), if any. */
  statWords(carrierId: string): StatWords | undefined {
    return this.words.get(carrierId);
  }

  /** Each carrier's SMSC validity (carriers file smscValiditySeconds), where it is given. */
  smscValiditySeconds(): ReadonlyMap<string, number> {
    return this.validities;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** At start a bad file stops the process; later a bad edit is logged and the previous formats stay. */
  private reload(atStart: boolean): void {
    const file = this.config.CARRIERS_FILE;
    const mtimeMs = existsSync(file) ? statSync(file).mtimeMs : 0;
    if (mtimeMs === this.mtimeMs) return;
    this.mtimeMs = mtimeMs;
    try {
      const settings = mtimeMs === 0 ? { idFormats: new Map(), statWords: new Map(), validitySeconds: new Map() } : receiptSettingsFromYaml(readFileSync(file, 'utf8'), file);
      this.formats = settings.idFormats;
      this.words = settings.statWords;
      this.validities = settings.validitySeconds;
      const special = Object.fromEntries(this.formats);
      const words = Object.fromEntries([...this.words].map(([id, m]) => [id, Object.fromEntries(m)]));
      this.logger.info({ file, exists: mtimeMs !== 0, receiptIdFormats: special, receiptStats: words }, 'carrier receipt id formats and stat words loaded');
    } catch (err) {
      if (atStart) throw err;
      this.logger.error({ err, file }, 'carriers file change refused; keeping the previous receipt id formats');
    }
  }
}
