import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Where screenshots go: a CI artifact folder, and what a person looks at before calling a page done. */
export const screenshotDir =
  process.env.SCREENSHOT_DIR ?? path.join(root, '.dev', 'artifacts', 'screenshots');

/** The three kinds of screen the app is made for. */
export const screens = {
  phone: {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  },
  tablet: { viewport: { width: 1180, height: 820 }, deviceScaleFactor: 1, hasTouch: true },
  tv: { viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 },
} satisfies Record<string, BrowserContextOptions>;

/**
 * Debian's Chromium, headless (browsers cannot be downloaded here). No sandbox: the tests run
 * as root in CI; nothing but the app on loopback is ever opened.
 */
export async function launchChromium(): Promise<Browser> {
  await mkdir(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-dev-shm-usage',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/**
 * Marks the page so a test can prove later that it was updated in place: a reload or a
 * navigation by the browser would lose the mark.
 */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as { noReload: boolean }).noReload = true;
  });
}

export async function stillSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as { noReload?: boolean }).noReload === true);
}
