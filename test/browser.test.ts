/**
 * What an operator sees, in a real browser: Debian's Chromium, driven by playwright-core, on the
 * Web UI of a dev server started here, for a ComplaintHandling instance waiting for its
 * resolution. With the codec server, the input reads decrypted; without it, no phone number is
 * anywhere in the page. `npm run screenshots` writes its screenshots to docs/screenshots/, which
 * the README shows.
 */
import test from 'ava';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTemporal } from '../src/infra/temporal.js';
import { DEBIAN_CHROMIUM, findChromium } from '../src/infra/chromium.js';
import { freePort } from '../src/infra/processes.js';
import { createCodecServer } from '../src/engine/codec-server.js';
import { createEngine } from '../src/engine/engine.js';
import { createWorker } from '../src/engine/worker.js';
import { newKeyRingText, parseKeyRing } from '../src/engine/codec.js';
import { databaseUrl, eventually, uniqueQueue } from './helpers/servers.js';
import { recordingActivities } from './helpers/runtime.js';
import { telecomCatalog } from './helpers/catalog.js';

const CHROMIUM = findChromium() ?? DEBIAN_CHROMIUM;
const phone = '13912345678';
/** Where the screenshots go: .svcflow/screenshots, or docs/screenshots (which the README shows) with `npm run screenshots`. */
const screenshots = new URL(`../../${process.env.SVCFLOW_SCREENSHOTS === 'docs' ? 'docs' : '.svcflow'}/screenshots/`, import.meta.url);

/** The text of the page and of its frames (the UI renders summaries and details, markdown, in sandboxed iframes). */
async function text(page: Page): Promise<string> {
  const parts = await Promise.all(page.frames().map((f) => f.locator('body').innerText().catch(() => '')));
  return parts.join('\n');
}

test('the Web UI shows the business: summary, step, what it waits for, deadline, owner, escalation level; the input decrypts only through the codec', async (t) => {
  const ring = parseKeyRing(newKeyRingText('ui1'));
  const token = 'ui-test-token';
  const uiPort = await freePort();
  const codec = await createCodecServer({ keys: ring, token, uiOrigin: `http://localhost:${uiPort}` });
  const codecUrl = await codec.listen({ host: '127.0.0.1', port: 0 });
  const temporal = await startTemporal({ uiPort, uiCodecEndpoint: `${codecUrl}/${token}`, log: () => {} }, { ...process.env, TEMPORAL_ADDRESS: '' });
  const cfg = { address: temporal.address, namespace: temporal.namespace };
  const taskQueue = uniqueQueue('ui');
  const { activities } = recordingActivities({
    'complaints.openComplaint': () => ({ complaintId: 'CP-2004', level: 'city', deadline: '2026-12-03T00:00:00Z', state: 'open', owner: 'agent-7' }),
    'notification.sendSms': () => ({ messageId: 'M-1', status: 'queued' }),
    'complaints.escalate': () => ({ level: 'group', owner: 'desk-group', deadline: '2026-12-03T00:00:00Z', escalatedAt: '2026-12-02T00:00:00Z' }),
  });
  const { worker, connection } = await createWorker({ temporal: cfg, taskQueue, activities, codec: ring, databaseUrl: databaseUrl() });
  const running = worker.run();
  const engine = await createEngine({ temporal: cfg, databaseUrl: databaseUrl(), taskQueue, codec: ring, catalog: telecomCatalog });
  let browser: Browser | undefined;
  try {
    const source = await readFile(new URL('../../processes/complaint.flow', import.meta.url), 'utf8');
    await engine.deploy([{ file: 'complaint.flow', text: source }]);
    const id = 'complaint-INT-2004';
    await engine.start('ComplaintHandling', {
      intakeRef: 'INT-2004', msisdn: phone, accountId: 'AC-T161', category: 'network', channel: 'regulator',
      description: '宽带每晚掉线', firstContactOwner: 'agent-7',
    }, { id });
    await eventually(async () => (JSON.stringify(await engine.query(id)).includes('resolveComplaint') ? true : undefined), 'the instance to wait for its resolution');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
    const url = `${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows/${id}`;
    await mkdir(screenshots, { recursive: true });
    const shot = (page: Page, name: string) => page.screenshot({ path: join(screenshots.pathname, `${name}.png`) });

    // An operator with the codec server: the input is the business input and a reference, decrypted.
    const withCodec = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await withCodec.goto(url);
    await withCodec.getByText('13912345678').first().waitFor({ timeout: 30_000 });
    const history = await text(withCodec);
    t.true(history.includes('ComplaintHandling v4 — intakeRef=INT-2004, accountId=AC-T161'), 'the summary');
    t.regex(history, /"definition"/, 'the definition, by reference');
    t.notRegex(history, /irVersion/, 'not the compiled IR');
    t.true(history.includes('宽带每晚掉线'), 'the decrypted description');
    await shot(withCodec, 'ui-input-with-codec');
    await withCodec.getByText('User Metadata', { exact: true }).click();
    const details = await eventually(async () => {
      const seen = await text(withCodec);
      return seen.includes('resolveComplaint') ? seen : undefined;
    }, 'the current details');
    t.regex(details, /ComplaintHandling — step resolve/, 'the current step');
    t.regex(details, /waiting for update resolveComplaint/, 'what it waits for');
    t.regex(details, /next deadline \d{4}-\d{2}-\d{2}T/, 'when its next time limit falls');
    t.regex(details, /owner agent-7/, 'who owns it');
    t.regex(details, /escalated to group/, 'the level it stands at: through the regulator, group at once');
    await shot(withCodec, 'ui-current-details');

    // Without the codec server (the operator's browser cannot reach it): no phone number anywhere.
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await context.route(`${codecUrl}/**`, (route) => route.abort());
    const without = await context.newPage();
    await without.goto(url);
    const first = await eventually(async () => {
      const seen = await text(without);
      return seen.includes('Codec Server could not connect') && seen.includes('encryption-key-id') ? seen : undefined;
    }, 'the page, its input sealed');
    const seen = [first];
    await shot(without, 'ui-input-without-codec');
    for (const tab of ['User Metadata', 'Search Attributes', 'Memo', 'Queries']) {
      await without.getByText(tab, { exact: true }).click();
      await without.waitForTimeout(1_000);
      seen.push(await text(without));
    }
    // Search attributes are not payloads: the business keys stay readable (and searchable) without the codec.
    t.true(seen.join('\n').includes('intakeRef=INT-2004'), 'the business keys are readable without the codec');
    const attributes = seen[2]!;
    t.regex(attributes, /"Owner": "agent-7"/, 'the Owner search attribute');
    t.regex(attributes, /"EscalationLevel": "group"/, 'the EscalationLevel search attribute');
    for (const [i, page] of seen.entries()) t.false(page.includes(phone), `the phone number is in the page (view ${i})`);
    t.false(seen.join('\n').includes('宽带每晚掉线'), 'nor the description');
  } finally {
    await browser?.close();
    await engine.close();
    worker.shutdown();
    await running;
    await connection.close();
    await temporal.stop();
    await codec.close();
  }
});
