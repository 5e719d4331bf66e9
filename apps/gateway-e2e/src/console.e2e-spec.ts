import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { ROOT, smsgw, startStack } from './gateway';

// The web console in a real browser (Debian's chromium, headless, driven by playwright-core)
// against the whole gateway: every app as a process, ingest's HTTP API behind the console's
// server, the SMSC simulator as carrier. Assertions are on what a person sees (roles, labels,
// text), so a page that loads but does not work fails.
const KAFKA_BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
const KAFKA_TOPIC_PREFIX = `e2e-console-${Date.now().toString(36)}.`;
const PORTS = { simulatorSmpp: 17775, simulatorHttp: 17086, ingestHttp: 17081, ingestGrpc: 17051, ingestApi: 17080, encoderHttp: 17082, routerHttp: 17083, connectorHttp: 17084, dlrHttp: 17085, consoleHttp: 17088, console: 17089 };
const BASE = `http://127.0.0.1:${PORTS.console}/`;
// Kept after the run (tmp/ is git-ignored): what the browser showed at each step.
const SHOTS = join(ROOT, 'tmp/console-e2e');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const DELIVERY_MS = 45_000;
// The account's long number for two-way, distinct per run (the database may keep earlier runs' rows).
const NUMBER = `4477008${String(Date.now()).slice(-5)}`;
const HANDSET = `+4479118${String(Date.now()).slice(-5)}`;
const REPLY = `Thanks, got it (${Date.now().toString(36)})`;

describe('the web console in a browser', () => {
  const work = mkdtempSync(join(tmpdir(), 'smsgw-console-e2e-'));
  let stack: Awaited<ReturnType<typeof startStack>>;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const carriersFile = join(work, 'carriers.yaml');
    writeFileSync(carriersFile, readFileSync(join(ROOT, 'config/carriers.yaml'), 'utf8').replace(/port: 2775/, `port: ${PORTS.simulatorSmpp}`));
    const routesFile = join(work, 'routes.yaml');
    writeFileSync(routesFile, 'routes:\n  - id: uk-demo\n    prefix: "+44"\n    carrier: demo\n    pricePerSegmentMicros: 4000\n');
    stack = await startStack({ ports: PORTS, logDir: join(work, 'logs'), stateDir: join(work, 'state'), lockName: 'e2e', lockWaitMs: 600_000, what: 'console e2e test', env: { KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, DATABASE_URL, CARRIERS_FILE: carriersFile, ROUTES_FILE: routesFile, LOG_LEVEL: 'info' } });
    // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const added = await admin('numbers', 'add', 'demo', `+${NUMBER}`);
    expect(added).toMatchObject({ code: 0 });
  }, 780_000);

  afterAll(async () => {
    if (stack) await admin('numbers', 'remove', NUMBER).catch(() => undefined);
    await browser?.close();
    await stack?.stop();
    console.log(`console e2e: screenshots in ${SHOTS}`);
  }, 60_000);

  afterEach(() => {
    // A CSP violation, a failed script or an uncaught error shows up as a console error.
    expect(problems).toEqual([]);
    problems.length = 0;
  });

  async function open(options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    // 4xx answers are the refusals this test provokes (the page shows them); anything else counts.
    page.on('console', (m: ConsoleMessage) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(BASE);
    return { context, page };
  }

  const admin = (...args: string[]) => smsgw([...args, '--target', `127.0.0.1:${PORTS.ingestGrpc}`, '--json'], { SMSGW_ADMIN_TOKEN_FILE: stack.adminTokenFile });
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  async function signIn(page: Page): Promise<void> {
    await page.getByLabel('API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Send a message' }).waitFor();
    // GET /v1/account names the key's account in the header.
    await expect(page.getByTestId('account-name').textContent()).resolves.toBe('Signed in as demo');
  }

  it('signs in, counts as the encoder does, sends, shows DELIVERED without a reload, opens the timeline, signs out', async () => {
    const { context, page } = await open({ viewport: { width: 1280, height: 900 } });
    await page.getByRole('heading', { name: 'smsgw console' }).waitFor();

    // A wrong key is refused with the API's reason and code.
    await page.getByLabel('API key').fill('smsgw_notakey0000_0000000000000000000000000000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/\[AUTH\.(INVALID_KEY|MALFORMED_KEY)\]/);
    await signIn(page);
    expect(await page.evaluate(() => [sessionStorage.getItem('smsgw.console.apiKey') !== null, localStorage.length])).toEqual([true, 0]);

    // The live counter: the gateway's encoder library, in the page.
    const text = page.getByLabel('Text');
    await text.fill('Hello from the console');
    await expect(page.locator('#send-counter').textContent()).resolves.toContain('22 characters · GSM-7 · 1 segment · 138 left in this segment');
    await text.fill('x'.repeat(161));
    await expect(page.locator('#send-counter').textContent()).resolves.toContain('GSM-7 · 2 segments');
    await text.fill('Привет из консоли');
    await expect(page.locator('#send-counter').textContent()).resolves.toContain('UCS-2 · 1 segment');

    // A refusal names the field: the To field is marked and focused.
    await page.getByLabel('To').fill('+1');
    await page.getByLabel('From (sender id)').fill('SMSGW');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('[VALIDATION.INVALID_DESTINATION]');
    expect(await page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid')])).toEqual(['send-to', 'true']);

    await page.evaluate(() => ((window as unknown as { stillTheSamePage: boolean }).stillTheSamePage = true));
    await page.getByLabel('To').fill('+447911123456');
    await text.fill('Hello from the console');
    await page.getByRole('button', { name: 'Send' }).click();
    const accepted = await page.getByText(/^Accepted: message \S+, 1 segment \(gsm7\)\.$/).textContent();
    const id = /message (\S+),/.exec(accepted ?? '')?.[1] ?? '';
    const row = page.locator(`li[data-message-id="${id}"]`);
    await expect(row.getByText('+447911123456').textContent()).resolves.toBe('+447911123456');
    await shot(page, '1-sent');
    await row.getByText('DELIVERED', { exact: true }).waitFor({ timeout: DELIVERY_MS });
    expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
    await expect(page.getByRole('status').filter({ hasText: 'is DELIVERED' }).textContent()).resolves.toBe('Message to +447911123456 is DELIVERED');
    await shot(page, '2-delivered');

    // The timeline: what GET /v1/messages/{id} says, plus the statuses the page saw live.
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: `Message ${id}` }).waitFor();
    const steps = page.getByRole('list', { name: 'Timeline' }).getByRole('listitem');
    await steps.filter({ hasText: 'Delivered (receipt)' }).waitFor();
    const labels = await steps.locator('strong').allTextContents();
    expect(labels[0]).toBe('Accepted');
    expect(labels).toEqual(expect.arrayContaining(['Accepted', 'Submitted to the carrier', 'Delivered (receipt)']));
    await expect(steps.filter({ hasText: 'Submitted to the carrier' }).textContent()).resolves.toContain('carrier demo');
    await expect(steps.filter({ hasText: 'Delivered (receipt)' }).textContent()).resolves.toContain('1 of 1 segments delivered');
    await shot(page, '3-timeline');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => [sessionStorage.length, localStorage.length])).toEqual([0, 0]);
    await context.close();
  }, 120_000);

  it('shows a reply on the Inbound page as it arrives, with the message it answers, and the day\'s counts on the Usage page', async () => {
    const { context, page } = await open({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    // A message from the account's number to the handset: the conversation the reply joins.
    await page.getByLabel('To').fill(HANDSET);
    await page.getByLabel('From (sender id)').fill(NUMBER);
    await page.getByLabel('Text').fill('Your code is 551177');
    await page.getByRole('button', { name: 'Send' }).click();
    const accepted = await page.getByText(/^Accepted: message \S+, 1 segment \(gsm7\)\.$/).textContent();
    const id = /message (\S+),/.exec(accepted ?? '')?.[1] ?? '';
    await page.locator(`li[data-message-id="${id}"]`).getByText('DELIVERED', { exact: true }).waitFor({ timeout: DELIVERY_MS });

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Inbound' }).click();
    await page.getByRole('heading', { name: 'Inbound messages' }).waitFor();
    await page.getByText('New ones appear here as they arrive.').waitFor();
    await page.evaluate(() => ((window as unknown as { stillTheSamePage: boolean }).stillTheSamePage = true));
    // The handset answers through the simulator's MO injection (deliver_sm over SMPP to the connector).
    const mo = await fetch(`http://127.0.0.1:${PORTS.simulatorHttp}/mo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: HANDSET.slice(1), to: NUMBER, text: REPLY }) });
    expect(mo.status).toBe(202);
    const reply = page.getByRole('list', { name: 'Inbound messages' }).getByRole('listitem').filter({ hasText: REPLY });
    await reply.waitFor({ timeout: DELIVERY_MS });
    expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
    await expect(reply.textContent()).resolves.toContain(HANDSET);
    await expect(reply.getByTestId('related-message').textContent()).resolves.toBe(id);
    await expect(reply.getByText('Reply', { exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole('status').filter({ hasText: REPLY }).textContent()).resolves.toBe(`Reply from ${HANDSET}: ${REPLY}`);
    await shot(page, '6-inbound');
    // The link opens the message replied to.
    await reply.getByTestId('related-message').click();
    await page.getByRole('heading', { name: `Message ${id}` }).waitFor();

    // Usage: the same counts as the API's for today, DELIVERED including this test's messages.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: 'Usage' }).waitFor();
    const today = new Date().toISOString().slice(0, 10);
    const delivered = page.locator(`tr[data-day="${today}"][data-status="DELIVERED"]`);
    await delivered.waitFor();
    const api = (await (await fetch(`${BASE}v1/usage?fromDay=${today}&toDay=${today}`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).json()) as { rows: { status: string; messages: number; segments: number }[] };
    const row = api.rows.find((r) => r.status === 'DELIVERED');
    expect(row?.messages).toBeGreaterThanOrEqual(2); // at least the first test's and this one's
    await expect(delivered.locator('td.num').allTextContents()).resolves.toEqual([String(row?.messages), String(row?.segments)]);
    const total = api.rows.reduce((sum, r) => sum + r.messages, 0);
    await expect(page.locator(`tr[data-day="${today}"][data-status="total"] td.num`).first().textContent()).resolves.toBe(String(total));
    await expect(page.getByRole('table').locator('caption').textContent()).resolves.toContain(today);
    await shot(page, '7-usage');
    await context.close();
  }, 120_000);

  it('fits a phone-sized screen: no sideways scrolling, every control reachable', async () => {
    const { context, page } = await open({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await signIn(page);
    for (const control of [page.getByLabel('To'), page.getByLabel('From (sender id)'), page.getByLabel('Text'), page.getByRole('button', { name: 'Send' })]) {
      const box = await control.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 360).toBe(true);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const send = await page.getByRole('button', { name: 'Send' }).boundingBox();
    expect(send?.height).toBeGreaterThanOrEqual(44); // a finger-sized target
    await shot(page, '4-phone');
    // With content (the reply and the counts of the test before), so long ids and tables are measured too.
    for (const [name, heading, content] of [['Inbound', 'Inbound messages', page.getByRole('list', { name: 'Inbound messages' })], ['Usage', 'Usage', page.getByRole('table')]] as const) {
      await page.getByRole('link', { name, exact: true }).click();
      await page.getByRole('heading', { name: heading }).waitFor();
      await content.waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await shot(page, `4-phone-${name.toLowerCase()}`);
    }
    await context.close();
  }, 60_000);

  it('sends with the keyboard alone, and the status still arrives live', async () => {
    const { context, page } = await open({ viewport: { width: 1024, height: 800 } });
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || '');
    await page.getByRole('heading', { name: 'smsgw console' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('api-key');
    await page.keyboard.type(stack.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Send a message' }).waitFor();
    // The page moves focus to its heading just after it paints (useFocusOnMount); Tab from there.
    await page.waitForFunction(() => document.activeElement?.id === 'send-heading');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('send-to');
    await page.keyboard.type('+447911123457');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('send-from');
    await page.keyboard.type('SMSGW');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('send-text');
    await page.keyboard.type('Sent with the keyboard');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('send-smart');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Send');
    await page.keyboard.press('Enter');
    await page.getByText(/^Accepted: message /).waitFor();
    expect(await focused()).toBe('send-text'); // ready for the next one
    const row = page.getByRole('listitem').filter({ hasText: '+447911123457' });
    await row.getByText('DELIVERED', { exact: true }).waitFor({ timeout: DELIVERY_MS });
    await shot(page, '5-keyboard');
    await context.close();
  }, 120_000);
});
