import { readFileSync } from 'node:fs';
import { CarriersConfigError, carrierById, parseCarriersConfig, type CarrierConfig, type CarriersConfig } from './carrier-config';

/**
 * Reads and validates the carriers file (CARRIERS_FILE): every app that needs it reads it here, so
 * one file means one set of rules. Throws CarriersConfigError naming the file, carrier and field.
 */
export function readCarriersFile(file: string): CarriersConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CarriersConfigError(file, [`cannot read the carriers file (${(err as Error).message}); set CARRIERS_FILE`]);
  }
  return parseCarriersConfig(text, file);
}

/** The settings of one carrier of the carriers file; throws CarriersConfigError. */
export function carrierFromFile(file: string, carrierId: string): CarrierConfig {
  return carrierById(readCarriersFile(file), carrierId, file);
}
