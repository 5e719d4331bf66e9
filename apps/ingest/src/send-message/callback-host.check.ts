import { Inject, Injectable } from '@nestjs/common';
import { PolicyError, isPrivateHost } from '@smsgw/accounts/domain';
import { LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** A hostname's verdict is kept this long (public or private, resolving or not). */
const CACHE_MS = 30_000;
const MAX_ENTRIES = 10_000;

type Verdict = { ok: true } | { ok: false; why: string };

/**
 * callback_url hostnames (not literals: the policy sees those) resolved with the system resolver
 * at accept time: one that resolves to a loopback, link-local, private or shared address, or
 * does not resolve at all, is refused unless the account allows private callbacks. Each
 * hostname is looked up at most once per CACHE_MS on a replica (concurrent calls share the
 * lookup), so the hot path stays a map lookup. A resolver that cannot answer (timeout) lets the
 * message through. This does not stop DNS rebinding (a name that changes its answer after
 * acceptance): that needs the address pinned when the callback is delivered.
 */
@Injectable()
export class CallbackHostCheck {
  private readonly verdicts = new Map<string, { verdict: Verdict; atMs: number }>();
  private readonly inFlight = new Map<string, Promise<Verdict>>();

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  /** The hostname a callback URL needs resolved, or undefined (no URL, a literal address, or not a URL: the policy answers those). */
  static hostnameOf(callbackUrl: string): string | undefined {
    if (!callbackUrl) return undefined;
    let host: string;
    try {
      host = new URL(callbackUrl).hostname.toLowerCase().replace(/\.$/, '');
    } catch {
      return undefined;
    }
    if (host === '' || host.startsWith('[') || isIP(host) !== 0 || isPrivateHost(host)) return undefined;
    return host;
  }

  /** The refusal for a hostname, or undefined when it resolves to public addresses only. */
  async check(hostname: string): Promise<PolicyError | undefined> {
    const verdict = await this.verdict(hostname);
    return verdict.ok ? undefined : new PolicyError('POLICY.CALLBACK_URL_NOT_ALLOWED', 'callback_url', `callback_url host ${hostname.slice(0, 64)} ${verdict.why}; status callbacks go to public addresses only (an admin can allow it: --callback-private)`);
  }

  private verdict(hostname: string): Promise<Verdict> {
    const cached = this.verdicts.get(hostname);
    if (cached && Date.now() - cached.atMs < CACHE_MS) return Promise.resolve(cached.verdict);
    let pending = this.inFlight.get(hostname);
    if (!pending) {
      pending = this.resolve(hostname).finally(() => this.inFlight.delete(hostname));
      this.inFlight.set(hostname, pending);
    }
    return pending;
  }

  private async resolve(hostname: string): Promise<Verdict> {
    const atMs = Date.now();
    let verdict: Verdict;
    try {
      const addresses = await lookup(hostname, { all: true, verbatim: true });
      const bad = addresses.find((a) => isPrivateHost(a.family === 6 ? `[${a.address}]` : a.address));
      verdict = bad ? { ok: false, why: `resolves to a loopback, link-local or private address (${bad.address})` } : { ok: true };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTFOUND' && code !== 'ENODATA') {
        this.logger.warn({ hostname, code }, 'could not resolve a callback_url host; the message is let through');
        return { ok: true }; // not cached: ask again next time
      }
      verdict = { ok: false, why: 'does not resolve (no such host)' };
    }
    if (this.verdicts.size >= MAX_ENTRIES) this.verdicts.clear();
    this.verdicts.set(hostname, { verdict, atMs });
    return verdict;
  }
}
