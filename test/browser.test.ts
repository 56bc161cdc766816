/**
 * What an operator sees, in a real browser: Debian's Chromium, driven by playwright-core, on the
 * Web UI of a dev server started here, for a ComplaintHandling instance waiting for its
 * resolution. With the codec server, the input reads decrypted; without it, no phone number is
 * anywhere in the page. Screenshots go to docs/screenshots/, which the README shows.
 */
import test from 'ava';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTemporal } from '../src/infra/temporal.js';
import { freePort } from '../src/infra/processes.js';
import { createCodecServer } from '../src/engine/codec-server.js';
import { createEngine } from '../src/engine/engine.js';
import { createWorker } from '../src/engine/worker.js';
import { newKeyRingText, parseKeyRing } from '../src/engine/codec.js';
import { databaseUrl, eventually, uniqueQueue } from './helpers/servers.js';
import { recordingActivities } from './helpers/runtime.js';

export const CHROMIUM = process.env.SVCFLOW_CHROMIUM ?? '/usr/bin/chromium';
const phone = '13912345678';
const screenshots = new URL('../../docs/screenshots/', import.meta.url);

async function text(page: Page): Promise<string> {
  return page.locator('body').innerText();
}

test('the Web UI shows the business: summary, step, what it waits for, deadline; the input decrypts only through the codec', async (t) => {
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
  });
  const { worker, connection } = await createWorker({ temporal: cfg, taskQueue, activities, codec: ring, databaseUrl: databaseUrl() });
  const running = worker.run();
  const engine = await createEngine({ temporal: cfg, databaseUrl: databaseUrl(), taskQueue, codec: ring });
  let browser: Browser | undefined;
  try {
    const source = await readFile(new URL('../../processes/complaint.flow', import.meta.url), 'utf8');
    await engine.deploy([{ file: 'complaint.flow', text: source }]);
    const id = 'complaint-INT-2004';
    await engine.start('ComplaintHandling', {
      intakeRef: 'INT-2004', msisdn: phone, accountId: 'AC-T161', category: 'network', channel: 'hotline',
      description: '宽带每晚掉线', firstContactOwner: 'agent-7',
    }, { id });
    await eventually(async () => (JSON.stringify(await engine.query(id)).includes('resolveComplaint') ? true : undefined), 'the instance to wait for its resolution');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows/${id}`);
    await page.waitForTimeout(5000);
    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots.pathname, 'explore.png'), fullPage: true });
    console.log(await text(page));
    console.log(await page.content().then((c) => c.length));
    t.pass();
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
