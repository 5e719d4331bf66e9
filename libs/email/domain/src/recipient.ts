import { checkDestination, type AccountPolicy } from '@smsgw/accounts/domain';
import { ValidationError, readDestination } from '@smsgw/messages/domain';
import { refusal } from './smtp-reply';

/** A recipient address that names a phone: "<E.164 digits>@<domain>". */
export interface Recipient {
  /** The address as given (RCPT TO). */
  address: string;
  /** E.164, "+…". */
  number: string;
  country: string;
  numberType: string;
}

const LOCAL_PART = /^\+?([0-9]{1,20})$/;

/**
 * Reads a RCPT TO address: the domain must be the intake's, the local part the number's E.164
 * digits (a leading "+" allowed), a valid mobile number that the account may send to.
 * Throws EmailRefusal: 550 5.1.2 another domain, 550 5.1.1 not a (mobile) number, 550 5.7.1 policy.
 */
export function readRecipient(address: string, rules: { domain: string; policy: AccountPolicy }): Recipient {
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  const domain = at < 0 ? '' : address.slice(at + 1).toLowerCase();
  if (domain !== rules.domain.toLowerCase()) {
    throw refusal('EMAIL.WRONG_DOMAIN', 550, '5.1.2', `<${short(address)}>: this gateway takes mail for <number>@${rules.domain} only`);
  }
  const digits = LOCAL_PART.exec(local)?.[1];
  if (!digits) throw refusal('VALIDATION.INVALID_DESTINATION', 550, '5.1.1', `<${short(address)}>: the part before "@" must be the phone number in E.164 digits, e.g. 447911123456@${rules.domain}`);
  let destination: ReturnType<typeof readDestination>;
  try {
    // E.164 only: with the "+" no default region applies.
    destination = readDestination(`+${digits}`, 'ZZ');
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const why = err.code === 'VALIDATION.DESTINATION_NOT_MOBILE' ? 'is a fixed-line number and cannot receive SMS' : 'is not a valid phone number (E.164 digits with the country code)';
    throw refusal(err.code, 550, '5.1.1', `<${short(address)}>: ${digits} ${why}`);
  }
  const verdict = checkDestination(destination, rules.policy);
  if (!verdict.allowed) throw refusal(verdict.error.code, 550, '5.7.1', `<${short(address)}>: ${verdict.error.message}`);
  return { address, ...destination };
}

/** An address echoed in a reply: bounded (it came from the client). */
const short = (value: string) => (value.length > 80 ? `${value.slice(0, 80)}…` : value);
