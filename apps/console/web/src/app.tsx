import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api, ApiError, type CallerAccount } from './api';
import { actionLabel, formatMicros, mergeInbound, usageByDay, utcDay, type InboundSms, type Usage } from './inbound';
import { countText, MAX_SEGMENTS } from './counter';
import { applyUpdate, isFinal, pendingIds, timeline, type Message, type SentMessage, type Status } from './messages';
import { signOut, storedKey, storedMessages, storeKey, storeMessages, MAX_RECENT } from './session';

const RETRY_MS = 3_000;

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

/** Moves keyboard and screen-reader focus to a page's heading when the page changes. */
function useFocusOnMount<T extends HTMLElement>(dep: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), [dep]);
  return ref;
}

const time = (iso?: string) => (iso ? new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '');

function StatusBadge({ status }: { status: Status }) {
  return <span class={`status status-${status.toLowerCase()}`}>{status}</span>;
}

export function App() {
  const [key, setKey] = useState(storedKey());
  if (!key) return <SignIn onSignedIn={(k) => (storeKey(k), setKey(k))} />;
  return <Console apiKey={key} onSignOut={() => (signOut(), setKey(null), (location.hash = ''))} />;
}

function SignIn({ onSignedIn }: { onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const heading = useFocusOnMount<HTMLHeadingElement>('sign-in');
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await new Api(key.trim()).account();
      onSignedIn(key.trim());
    } catch (err) {
      setError(err instanceof ApiError ? `${err.message} [${err.code}]` : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="narrow">
      <h1 ref={heading} tabIndex={-1}>smsgw console</h1>
      <form onSubmit={submit} class="card" aria-describedby="sign-in-note">
        <h2>Sign in</h2>
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" spellcheck={false} required value={key} onInput={(e) => setKey(e.currentTarget.value)} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'sign-in-error' : undefined} />
        <p id="sign-in-note" class="note">
          An account's key, <code>smsgw_…</code> (<code>npx smsgw keys create &lt;account&gt;</code>). It is kept in this tab only, until you sign out or close it.
        </p>
        {error && (
          <p id="sign-in-error" role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function Console({ apiKey, onSignOut }: { apiKey: string; onSignOut: () => void }) {
  const api = useMemo(() => new Api(apiKey), [apiKey]);
  const [messages, setMessages] = useState<SentMessage[]>(storedMessages);
  const [announcement, setAnnouncement] = useState('');
  const [streamProblem, setStreamProblem] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  const hash = useHash();
  useEffect(() => storeMessages(messages), [messages]);

  // One stream for every message still on its way; opened again when that set changes.
  const pending = pendingIds(messages).join(',');
  useEffect(() => {
    if (!pending) return;
    const abort = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    api
      .watch(
        pending.split(','),
        (u) => {
          setStreamProblem(undefined);
          setMessages((list) => {
            const next = applyUpdate(list, u);
            const m = next.find((x) => x.id === u.id);
            if (next !== list && m) setAnnouncement(`Message to ${m.to} is ${u.status}`);
            return next;
          });
        },
        abort.signal,
      )
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return setStreamProblem(`${err.message} [${err.code}]: sign out and sign in with a valid key.`);
        setStreamProblem(`Live status paused (${err instanceof Error ? err.message : String(err)}); trying again.`);
        retry = setTimeout(() => setAttempt((n) => n + 1), RETRY_MS);
      });
    return () => (abort.abort(), clearTimeout(retry));
  }, [api, pending, attempt]);

  // Who is signed in: the header names the account (a key revoked since shows its reason instead).
  const [account, setAccount] = useState<CallerAccount>();
  useEffect(() => {
    api.account().then(setAccount, (err: unknown) => setStreamProblem(err instanceof ApiError ? `${err.message} [${err.code}]: sign out and sign in with a valid key.` : String(err)));
  }, [api]);

  const sent = (m: SentMessage) => setMessages((list) => [m, ...list.filter((x) => x.id !== m.id)].slice(0, MAX_RECENT));
  const route = /^#\/messages\/([^/]+)$/.exec(hash);
  const openId = route ? decodeURIComponent(route[1]) : undefined;
  const page = openId ? 'message' : hash === '#/inbound' ? 'inbound' : hash === '#/usage' ? 'usage' : 'send';
  const current = (p: string) => (page === p ? ('page' as const) : undefined);

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">smsgw console</span>
        {account && (
          <span class="account" data-testid="account-name" title={`account ${account.accountId}, key ${account.keyId}`}>
            <span class="visually-hidden">Signed in as </span>
            {account.accountName || account.accountId}
          </span>
        )}
        <nav aria-label="Console">
          <a href="#/" aria-current={current('send')}>
            Send
          </a>
          <a href="#/inbound" aria-current={current('inbound')}>
            Inbound
          </a>
          <a href="#/usage" aria-current={current('usage')}>
            Usage
          </a>
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {streamProblem && (
          <p role="alert" class="error">
            {streamProblem}
          </p>
        )}
        {page === 'message' && openId && <MessageTimeline api={api} id={openId} seen={messages.find((m) => m.id === openId)} />}
        {page === 'inbound' && <InboundPage api={api} onAnnounce={setAnnouncement} />}
        {page === 'usage' && <UsagePage api={api} />}
        {page === 'send' && (
          <>
            <SendForm api={api} onSent={sent} />
            <RecentMessages messages={messages} />
          </>
        )}
        <p class="visually-hidden" aria-live="polite" role="status">
          {announcement}
        </p>
      </main>
    </>
  );
}

function SendForm({ api, onSent }: { api: Api; onSent: (m: SentMessage) => void }) {
  const [to, setTo] = useState('');
  const [from, setFrom] = useState('');
  const [text, setText] = useState('');
  const [smart, setSmart] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState<string>();
  // Kept until a send succeeds, so pressing Send again after a network error cannot send twice.
  const idempotencyKey = useRef(crypto.randomUUID());
  const heading = useFocusOnMount<HTMLHeadingElement>('send');
  const textArea = useRef<HTMLTextAreaElement>(null);
  const c = countText(text, smart);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const r = await api.send({ to: to.trim(), from: from.trim(), text, ...(smart ? { smartEncoding: true } : {}) }, idempotencyKey.current);
      idempotencyKey.current = crypto.randomUUID();
      onSent({ id: r.id, to: to.trim(), from: from.trim(), status: r.status, segments: r.segments, encoding: r.encoding, sentAt: r.acceptedAt ?? new Date().toISOString(), history: [{ status: r.status, at: r.acceptedAt }] });
      setDone(`${r.duplicate ? 'Already sent' : 'Accepted'}: message ${r.id}, ${r.segments} segment${r.segments === 1 ? '' : 's'} (${r.encoding}).`);
      setText('');
      textArea.current?.focus();
    } catch (err) {
      const apiError = err instanceof ApiError ? err : new ApiError(0, 'CONSOLE.ERROR', String(err));
      setError(apiError);
      const field = apiError.field && document.getElementById(`send-${apiError.field}`);
      if (field) field.focus();
    } finally {
      setBusy(false);
    }
  };
  const invalid = (field: string) => (error?.field === field ? { 'aria-invalid': 'true' as const, 'aria-describedby': 'send-error' } : {});

  return (
    <section aria-labelledby="send-heading" class="card">
      <h1 id="send-heading" ref={heading} tabIndex={-1}>
        Send a message
      </h1>
      <form onSubmit={submit}>
        <div class="row">
          <div>
            <label for="send-to">To</label>
            <input id="send-to" name="to" type="tel" inputMode="tel" autoComplete="off" required placeholder="+447911123456" value={to} onInput={(e) => setTo(e.currentTarget.value)} {...invalid('to')} />
          </div>
          <div>
            <label for="send-from">From (sender id)</label>
            <input id="send-from" name="from" autoComplete="off" required maxLength={15} placeholder="SMSGW" value={from} onInput={(e) => setFrom(e.currentTarget.value)} {...invalid('from')} />
          </div>
        </div>
        <label for="send-text">Text</label>
        <textarea id="send-text" name="text" ref={textArea} required rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)} aria-describedby="send-counter" {...invalid('text')} />
        <p id="send-counter" class={`counter${c.tooLong ? ' error' : ''}`} aria-live="polite">
          <span data-testid="count-characters">{c.characters} characters</span> · <span data-testid="count-encoding">{c.encoding}</span> · <span data-testid="count-segments">{c.segments} {c.segments === 1 ? 'segment' : 'segments'}</span>
          {text !== '' && ` · ${c.remaining} left in this segment`}
          {c.blocking.length > 0 && ` · UCS-2 because of ${c.blocking.map((ch) => `“${ch}”`).join(' ')}`}
          {smart && c.replaced > 0 && ` · ${c.replaced} look-alike${c.replaced === 1 ? '' : 's'} replaced`}
          {c.tooLong && ` · more than ${MAX_SEGMENTS} segments: the gateway refuses it by default`}
        </p>
        <div class="check">
          <input id="send-smart" type="checkbox" checked={smart} onChange={(e) => setSmart(e.currentTarget.checked)} />
          <label for="send-smart">Smart encoding (replace look-alike characters when that avoids UCS-2)</label>
        </div>
        {error && (
          <p id="send-error" role="alert" class="error">
            {error.message} <code>[{error.code}]</code>
          </p>
        )}
        {done && (
          <p role="status" class="ok">
            {done}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </form>
    </section>
  );
}

function RecentMessages({ messages }: { messages: SentMessage[] }) {
  return (
    <section aria-labelledby="recent-heading" class="card">
      <h2 id="recent-heading">Recent messages</h2>
      {messages.length === 0 ? (
        <p class="note">Nothing sent from this tab yet. Messages you send appear here, their status updating live.</p>
      ) : (
        <ul class="messages" aria-label="Messages sent in this session">
          {messages.map((m) => (
            <li key={m.id} data-message-id={m.id}>
              <a href={`#/messages/${encodeURIComponent(m.id)}`} aria-label={`Message to ${m.to}, ${m.status}: open its timeline`}>
                <span class="to">{m.to}</span>
                <span class="meta">
                  from {m.from} · {m.segments} seg. · {time(m.sentAt)}
                </span>
              </a>
              <StatusBadge status={m.status} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function MessageTimeline({ api, id, seen }: { api: Api; id: string; seen?: SentMessage }) {
  const [message, setMessage] = useState<Message>();
  const [error, setError] = useState<ApiError>();
  const heading = useFocusOnMount<HTMLHeadingElement>(id);
  const status = message?.status;

  useEffect(() => {
    setMessage(undefined);
    setError(undefined);
    let stop = false;
    (async () => {
      // A message just accepted is projected within a moment: a 404 right after sending is retried.
      for (let i = 0; !stop; i++) {
        try {
          return setMessage(await api.get(id));
        } catch (err) {
          const e = err instanceof ApiError ? err : new ApiError(0, 'CONSOLE.ERROR', String(err));
          if (!(e.status === 404 && seen && i < 10)) return setError(e);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
    return () => void (stop = true);
  }, [api, id]);

  // While it is on its way: each status change reads the message again (carrier, times, reason).
  useEffect(() => {
    if (!status || isFinal(status)) return;
    const abort = new AbortController();
    api
      .watch([id], () => api.get(id).then(setMessage, () => undefined), abort.signal)
      .then(() => api.get(id).then(setMessage))
      .catch(() => undefined); // the list's own stream reports a broken connection
    return () => abort.abort();
  }, [api, id, status && isFinal(status)]);

  const entries = message ? timeline(message, seen?.history) : [];
  return (
    <section aria-labelledby="timeline-heading" class="card">
      <p>
        <a href="#/">← Back to sending</a>
      </p>
      <h1 id="timeline-heading" ref={heading} tabIndex={-1}>
        Message <code class="id">{id}</code>
      </h1>
      {error && (
        <p role="alert" class="error">
          {error.message} <code>[{error.code}]</code>
        </p>
      )}
      {!message && !error && <p role="status">Loading…</p>}
      {message && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={message.status} />
            </dd>
            <dt>To</dt>
            <dd>{message.to}</dd>
            <dt>From</dt>
            <dd>{message.from}</dd>
            {message.encoding && (
              <>
                <dt>Encoding</dt>
                <dd>
                  {message.encoding.toUpperCase()}, {message.segments} segment{message.segments === 1 ? '' : 's'}
                </dd>
              </>
            )}
            {message.carrier && (
              <>
                <dt>Carrier</dt>
                <dd>{message.carrier}</dd>
              </>
            )}
            {message.clientReference && (
              <>
                <dt>Client reference</dt>
                <dd>{message.clientReference}</dd>
              </>
            )}
          </dl>
          <h2>Timeline</h2>
          <ol class="timeline" aria-label="Timeline">
            {entries.map((e) => (
              <li key={e.status} class={`step status-${e.status.toLowerCase()}`}>
                <strong>{e.label}</strong>
                {e.at && (
                  <>
                    {' '}
                    <time dateTime={e.at}>{time(e.at)}</time>
                  </>
                )}
                {e.detail && <span class="detail">{e.detail}</span>}
              </li>
            ))}
          </ol>
          {!isFinal(message.status) && <p class="note">Still on its way: this page follows it live.</p>}
        </>
      )}
    </section>
  );
}

/**
 * Replies and keywords handsets sent to the account's numbers: the newest page, then each new one
 * live (the stream resumes after the newest shown, so a reconnect misses nothing), older pages on demand.
 */
function InboundPage({ api, onAnnounce }: { api: Api; onAnnounce: (text: string) => void }) {
  const [list, setList] = useState<InboundSms[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string>();
  const [live, setLive] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const heading = useFocusOnMount<HTMLHeadingElement>('inbound');
  const newest = useRef('');

  useEffect(() => {
    let stop = false;
    api.inbound().then(
      (page) => {
        if (stop) return;
        setList((l) => mergeInbound(l, page.messages));
        newest.current ||= page.messages[0]?.id ?? '';
        setCursor(page.nextCursor);
        setLoaded(true);
      },
      (err: unknown) => !stop && setError(err instanceof ApiError ? `${err.message} [${err.code}]` : String(err)),
    );
    return () => void (stop = true);
  }, [api]);

  useEffect(() => {
    if (!loaded) return;
    const abort = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    setLive(true);
    api
      .watchInbound(
        newest.current,
        (m) => {
          newest.current = m.id;
          setError(undefined);
          setList((l) => mergeInbound(l, [m]));
          onAnnounce(`${actionLabel(m)} from ${m.from}: ${m.text}`);
        },
        abort.signal,
      )
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        setLive(false);
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return setError(`${err.message} [${err.code}]: sign out and sign in with a valid key.`);
        setError(`Live updates paused (${err instanceof Error ? err.message : String(err)}); trying again.`);
        retry = setTimeout(() => setAttempt((n) => n + 1), RETRY_MS);
      });
    return () => (abort.abort(), clearTimeout(retry));
  }, [api, loaded, attempt]);

  const older = async () => {
    try {
      const page = await api.inbound(cursor);
      setList((l) => mergeInbound(l, page.messages));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err instanceof ApiError ? `${err.message} [${err.code}]` : String(err));
    }
  };

  return (
    <section aria-labelledby="inbound-heading" class="card">
      <h1 id="inbound-heading" ref={heading} tabIndex={-1}>
        Inbound messages
      </h1>
      <p class="note">
        Replies and keywords sent to your numbers (<code>npx smsgw numbers list</code>), newest first. {live ? 'New ones appear here as they arrive.' : ''}
      </p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {!loaded && !error && <p role="status">Loading…</p>}
      {loaded && list.length === 0 && <p class="note">No inbound messages yet.</p>}
      {list.length > 0 && (
        <ul class="messages inbound" aria-label="Inbound messages">
          {list.map((m) => (
            <li key={m.id} data-inbound-id={m.id}>
              <div class="body">
                <span class="to">
                  {m.from} <span class="meta">to {m.to}</span>
                </span>
                <span class="text">{m.text}</span>
                <span class="meta">
                  <time dateTime={new Date(m.receivedAtMs).toISOString()}>{time(new Date(m.receivedAtMs).toISOString())}</time>
                  {m.relatedMessageId && (
                    <>
                      {' · in reply to '}
                      <a href={`#/messages/${encodeURIComponent(m.relatedMessageId)}`} data-testid="related-message">
                        <code class="id">{m.relatedMessageId}</code>
                      </a>
                    </>
                  )}
                  {m.autoReplyMessageId && (
                    <>
                      {' · auto-reply '}
                      <a href={`#/messages/${encodeURIComponent(m.autoReplyMessageId)}`}>
                        <code class="id">{m.autoReplyMessageId}</code>
                      </a>
                    </>
                  )}
                </span>
              </div>
              <span class={`status action-${m.action}`}>{actionLabel(m)}</span>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <button type="button" onClick={older}>
          Load older
        </button>
      )}
    </section>
  );
}

/** Messages and segments by day (UTC, of acceptance) and status, over the days chosen (the last 7 by default). */
function UsagePage({ api }: { api: Api }) {
  const [from, setFrom] = useState(() => utcDay(Date.now(), 6));
  const [to, setTo] = useState(() => utcDay(Date.now()));
  const [usage, setUsage] = useState<Usage>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const heading = useFocusOnMount<HTMLHeadingElement>('usage');

  const load = async (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setUsage(await api.usage(from, to));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CONSOLE.ERROR', String(err)));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => void load(), [api]);

  const days = usage ? usageByDay(usage.rows) : [];
  return (
    <section aria-labelledby="usage-heading" class="card">
      <h1 id="usage-heading" ref={heading} tabIndex={-1}>
        Usage
      </h1>
      <form onSubmit={load} class="row range">
        <div>
          <label for="usage-from">From (UTC day)</label>
          <input id="usage-from" type="date" required value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </div>
        <div>
          <label for="usage-to">To (UTC day, included)</label>
          <input id="usage-to" type="date" required value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </div>
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Loading…' : 'Show'}
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" class="error">
          {error.message} <code>[{error.code}]</code>
        </p>
      )}
      {usage && days.length === 0 && <p class="note">No messages from {usage.fromDay} to {usage.toDay}.</p>}
      {days.length > 0 && (
        <div class="table-wrap">
          <table class="usage">
            <caption>
              Messages and segments by day and current status, {usage?.fromDay} to {usage?.toDay}
            </caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Messages
                </th>
                <th scope="col" class="num">
                  Segments
                </th>
              </tr>
            </thead>
            <tbody>
              {days.flatMap((d) => [
                ...d.byStatus.map((r, i) => (
                  <tr key={`${d.day}-${r.status}`} data-day={d.day} data-status={r.status}>
                    {i === 0 ? (
                      <th scope="rowgroup" rowSpan={d.byStatus.length + 1}>
                        {d.day}
                      </th>
                    ) : null}
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td class="num">{r.messages}</td>
                    <td class="num">{r.segments}</td>
                  </tr>
                )),
                <tr key={`${d.day}-total`} class="total" data-day={d.day} data-status="total">
                  <td>All</td>
                  <td class="num">{d.messages}</td>
                  <td class="num">{d.segments}</td>
                </tr>,
              ])}
            </tbody>
          </table>
        </div>
      )}
      {usage && usage.spend?.length > 0 && (
        <div class="table-wrap">
          <table class="usage spend">
            <caption>Spend by day (reserved at accept, settled when routed, refunded before any carrier)</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" class="num">
                  Reserved
                </th>
                <th scope="col" class="num">
                  Settled
                </th>
                <th scope="col" class="num">
                  Refunded
                </th>
                <th scope="col" class="num">
                  Credited
                </th>
              </tr>
            </thead>
            <tbody>
              {[...usage.spend]
                .sort((a, b) => b.day.localeCompare(a.day) || a.currency.localeCompare(b.currency))
                .map((r) => (
                  <tr key={`${r.day}-${r.currency}`} data-day={r.day} data-currency={r.currency}>
                    <th scope="row">{r.day}</th>
                    <td class="num">{formatMicros(r.reservedMicros, r.currency)}</td>
                    <td class="num">{formatMicros(r.settledMicros, r.currency)}</td>
                    <td class="num">{formatMicros(r.refundedMicros, r.currency)}</td>
                    <td class="num">{formatMicros(r.creditedMicros, r.currency)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
