/**
 * A real headless browser for tests: Debian's chromium (package `chromium`,
 * installed by `scripts/ensure.mjs --test`) driven by playwright-core, which
 * never downloads a browser of its own. The flags keep Chromium off the
 * network (this machine's closed network refuses its background
 * connections) and out of the user's profile.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.SPECL_CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless chromium; fails with the install line when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium, or node scripts/ensure.mjs --test)`,
    );
  // playwright gives each launch a fresh temporary profile of its own
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
