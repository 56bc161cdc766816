/**
 * Chromium for the browser tests: Debian's package (`/usr/bin/chromium`), driven by
 * playwright-core; never a browser download. SVCFLOW_CHROMIUM names another executable. Found,
 * or installed with apt-get when running as root on Debian, as PostgreSQL is (postgres.ts).
 */
import { existsSync } from 'node:fs';
import { run } from './processes.js';
import { which } from './paths.js';
import { step, type Logger } from './log.js';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SVCFLOW_CHROMIUM) return existsSync(env.SVCFLOW_CHROMIUM) ? env.SVCFLOW_CHROMIUM : undefined;
  return existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : which('chromium', env);
}

export async function ensureChromium(log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const found = findChromium(env);
  if (found) return found;
  if (process.getuid?.() === 0 && which('apt-get', env)) {
    const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
    await step(log, 'installing Chromium with apt-get (Debian package `chromium`, for the browser tests)', async () => {
      await run('apt-get', ['update'], { env: aptEnv });
      await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env: aptEnv });
    });
    const installed = findChromium(env);
    if (installed) return installed;
  }
  throw new Error(`no Chromium found (${env.SVCFLOW_CHROMIUM ?? DEBIAN_CHROMIUM}): install Debian's package (apt-get install chromium) or point SVCFLOW_CHROMIUM at one`);
}
