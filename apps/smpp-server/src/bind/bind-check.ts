import { verifySmppPassword } from '@smsgw/accounts/domain';
import type { StoredSmppCredential } from '@smsgw/accounts/data-access-store';
import { CommandStatus } from '@smsgw/smpp/util-wire';

/**
 * The bind_*_resp status for a system_id and password: an unknown system_id and a wrong password
 * get the same answer (ESME_RINVPASWD), so binds cannot probe which system ids exist; a revoked
 * credential or a disabled account ESME_RBINDFAIL (the credentials are right, the bind is not allowed).
 */
export async function bindStatus(stored: StoredSmppCredential | undefined, password: string): Promise<number> {
  if (!stored || !(await verifySmppPassword(password, stored.passwordHash))) return CommandStatus.ESME_RINVPASWD;
  if (stored.revokedAtMs !== 0 || !stored.accountEnabled) return CommandStatus.ESME_RBINDFAIL;
  return CommandStatus.ESME_ROK;
}
