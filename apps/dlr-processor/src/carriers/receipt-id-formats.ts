import { existsSync, readFileSync, statSync } from 'node:fs';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { RECEIPT_ID_FORMATS, isReceiptIdFormat, type ReceiptIdFormat } from '@smsgw/dlr/domain';
import { CONFIG, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { parse as parseYaml } from 'yaml';
import type { DlrEnv } from '../env';

export class ReceiptIdFormatError extends Error {
  readonly code = 'DLR.CARRIERS_FILE_INVALID';
}

/**
 * Reads `carriers.<id>.receiptIdFormat` from the carriers file and nothing else (the connector
 * validates the rest). Absent field → "same".
 */
export function receiptIdFormatsFromYaml(text: string, source = 'carriers file'): Map<string, ReceiptIdFormat> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ReceiptIdFormatError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const formats = new Map<string, ReceiptIdFormat>();
  const carriers = (doc as { carriers?: unknown } | null)?.carriers;
  if (carriers === undefined || carriers === null) return formats;
  if (typeof carriers !== 'object' || Array.isArray(carriers)) throw new ReceiptIdFormatError(`${source}: "carriers" must be a map of carrier id to settings`);
  const problems: string[] = [];
  for (const [id, settings] of Object.entries(carriers as Record<string, unknown>)) {
    const value = (settings as { receiptIdFormat?: unknown } | null)?.receiptIdFormat;
    if (value === undefined || value === null) continue;
    if (!isReceiptIdFormat(value)) {
      problems.push(`carriers.${id}.receiptIdFormat: expected one of ${RECEIPT_ID_FORMATS.join(', ')}, got ${JSON.stringify(value)}`);
      continue;
    }
    formats.set(id, value);
  }
  if (problems.length) throw new ReceiptIdFormatError(`${source}: ${problems.join('; ')}`);
  return formats;
}

/** Each carrier's receipt id format, from CARRIERS_FILE, re-read when the file changes. */
@Injectable()
export class ReceiptIdFormats implements OnApplicationShutdown {
  private formats = new Map<string, ReceiptIdFormat>();
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
    return this.formats.get(carrierId) ?? 'same';
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
      this.formats = mtimeMs === 0 ? new Map() : receiptIdFormatsFromYaml(readFileSync(file, 'utf8'), file);
      const special = Object.fromEntries(this.formats);
      this.logger.info({ file, exists: mtimeMs !== 0, receiptIdFormats: special }, 'carrier receipt id formats loaded');
    } catch (err) {
      if (atStart) throw err;
      this.logger.error({ err, file }, 'carriers file change refused; keeping the previous receipt id formats');
    }
  }
}
