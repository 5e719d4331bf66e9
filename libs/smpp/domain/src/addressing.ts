/** Type of number (SMPP addr_ton). */
export const Ton = { UNKNOWN: 0, INTERNATIONAL: 1, NATIONAL: 2, NETWORK_SPECIFIC: 3, SUBSCRIBER: 4, ALPHANUMERIC: 5, ABBREVIATED: 6 } as const;
/** Numbering plan indicator (SMPP addr_npi). */
export const Npi = { UNKNOWN: 0, ISDN: 1 } as const;

export interface SmppAddress {
  ton: number;
  npi: number;
  addr: string;
}

const NUMERIC = /^\+?\d{1,15}$/;
/** Numbers this long (without "+") are read as international (E.164 with country code). */
const INTERNATIONAL_MIN_DIGITS = 9;

/**
 * TON/NPI of a sender id: alphanumeric → TON 5 (alphanumeric) / NPI 0; a number with "+" or long
 * enough to carry a country code → TON 1 / NPI 1 without "+"; a short code → TON 3 (network
 * specific) / NPI 0, as most SMSCs expect for short codes.
 */
export function sourceAddress(from: string): SmppAddress {
  const trimmed = from.trim();
  if (NUMERIC.test(trimmed)) {
    const digits = trimmed.replace(/^\+/, '');
    if (trimmed.startsWith('+') || digits.length >= INTERNATIONAL_MIN_DIGITS) return { ton: Ton.INTERNATIONAL, npi: Npi.ISDN, addr: digits };
    return { ton: Ton.NETWORK_SPECIFIC, npi: Npi.UNKNOWN, addr: digits };
  }
  return { ton: Ton.ALPHANUMERIC, npi: Npi.UNKNOWN, addr: trimmed };
}

/** A destination in E.164 ("+447700900123") → TON 1 / NPI 1, "447700900123". */
export function destinationAddress(to: string): SmppAddress {
  return { ton: Ton.INTERNATIONAL, npi: Npi.ISDN, addr: to.trim().replace(/^\+/, '') };
}

/**
 * An SMPP relative validity period ("YYMMDDhhmmss000R") for a number of seconds; empty for 0
 * (the SMSC default). Relative times cannot express more than 99 days here; longer is capped.
 */
export function relativeValidityPeriod(seconds: number): string {
  if (!seconds || seconds <= 0) return '';
  let s = Math.min(Math.floor(seconds), 99 * 86_400 + 86_399);
  const days = Math.floor(s / 86_400);
  s -= days * 86_400;
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  s -= minutes * 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return `0000${two(days)}${two(hours)}${two(minutes)}${two(s)}000R`;
}
