import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { CarriersConfigError, carrierById, parseCarriersConfig, type CarrierConfig } from '@smsgw/carriers/util-config';

/** Reads and validates the carriers file, and returns the settings of `carrierId`; throws CarriersConfigError. */
export function loadCarrier(file: string, carrierId: string): CarrierConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CarriersConfigError(file, [`cannot read the carriers file (${(err as Error).message}); set CARRIERS_FILE`]);
  }
  return carrierById(parseCarriersConfig(text, file), carrierId, file);
}

/** Calls onChange with the carrier's settings whenever the file changes and still validates. */
export function watchCarrier(file: string, carrierId: string, onChange: (carrier: CarrierConfig) => void, onError: (err: Error) => void): () => void {
  const listener = () => {
    try {
      onChange(loadCarrier(file, carrierId));
    } catch (err) {
      onError(err as Error);
    }
  };
  watchFile(file, { interval: 1000 }, listener);
  return () => unwatchFile(file, listener);
}
