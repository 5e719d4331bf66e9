import { carrierFromFile, type CarrierConfig } from '@smsgw/carriers/util-config';
import { watchValidatedFile } from '@smsgw/shared/util-config';

/** Calls onChange with the carrier's settings whenever the file changes and still validates. */
export function watchCarrier(file: string, carrierId: string, onChange: (carrier: CarrierConfig) => void, onError: (err: Error) => void): () => void {
  return watchValidatedFile(file, (f) => carrierFromFile(f, carrierId), onChange, onError);
}
