import { existsSync } from 'node:fs';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { readCarriersFile, type CarriersConfig } from '@smsgw/carriers/util-config';
import { statWordKey, type ReceiptIdFormat, type StatWords } from '@smsgw/dlr/domain';
import { CONFIG, LOGGER } from '@smsgw/shared/feature-ops';
import { watchValidatedFile } from '@smsgw/shared/util-config';
import type { Logger } from '@smsgw/shared/util-logging';
import type { DlrEnv } from '../env';

/** What the dlr-processor reads of one carrier: how its receipt ids are written, and its own stat words. */
export interface CarrierReceiptSettings {
  /** Only carriers whose file entry gives receiptIdFormat; the others' formats are detected. */
  idFormats: Map<string, ReceiptIdFormat>;
  statWords: Map<string, StatWords>;
  /** smscValiditySeconds: how long each carrier's SMSC keeps trying a message that gave no validity (where known). */
  validitySeconds: Map<string, number>;
}

/** No carrier settings: every carrier "same", the built-in stat words, the default expiry. */
const noReceiptSettings = (): CarrierReceiptSettings => ({ idFormats: new Map(), statWords: new Map(), validitySeconds: new Map() });

/**
 * What the dlr-processor takes of the carriers file, validated by libs/carriers like the
 * connector's: receiptIdFormat where given, receiptStats by their comparison key, smscValiditySeconds.
 */
export function receiptSettingsOf(config: CarriersConfig): CarrierReceiptSettings {
  const settings = noReceiptSettings();
  for (const [id, carrier] of config.carriers) {
    if (carrier.receiptIdFormatSet) settings.idFormats.set(id, carrier.receiptIdFormat);
    const words = Object.entries(carrier.receiptStats);
    if (words.length) settings.statWords.set(id, new Map(words.map(([word, stat]) => [statWordKey(word), stat])));
    if (carrier.smscValiditySeconds > 0) settings.validitySeconds.set(id, carrier.smscValiditySeconds);
  }
  return settings;
}

/** The receipt settings of the carriers file; no file: none (every carrier "same", the built-in stat words). */
export function loadReceiptSettings(file: string): CarrierReceiptSettings {
  return existsSync(file) ? receiptSettingsOf(readCarriersFile(file)) : noReceiptSettings();
}

/** Each carrier's receipt id format and stat words, from CARRIERS_FILE, re-read when the file changes. */
@Injectable()
export class ReceiptIdFormats implements OnApplicationShutdown {
  private formats = new Map<string, ReceiptIdFormat>();
  /** Formats found from the traffic (ReceiptIdDetector) for carriers the file says nothing about. */
  private readonly detected = new Map<string, ReceiptIdFormat>();
  private words = new Map<string, StatWords>();
  private validities = new Map<string, number>();
  private readonly stopWatching: () => void;

  /** At start a bad file stops the process; later a bad edit is logged and the previous settings stay. */
  constructor(@Inject(CONFIG) config: DlrEnv, @Inject(LOGGER) private readonly logger: Logger) {
    const file = config.CARRIERS_FILE;
    this.use(file, loadReceiptSettings(file));
    this.stopWatching = watchValidatedFile(
      file,
      loadReceiptSettings,
      (settings) => this.use(file, settings),
      (err) => this.logger.error({ err, file }, 'carriers file change refused; keeping the previous receipt id formats'),
      5_000,
    );
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
    this.stopWatching();
  }

  private use(file: string, settings: CarrierReceiptSettings): void {
    this.formats = settings.idFormats;
    this.words = settings.statWords;
    this.validities = settings.validitySeconds;
    const special = Object.fromEntries(this.formats);
    const words = Object.fromEntries([...this.words].map(([id, m]) => [id, Object.fromEntries(m)]));
    this.logger.info({ file, exists: existsSync(file), receiptIdFormats: special, receiptStats: words }, 'carrier receipt id formats and stat words loaded');
  }
}
