import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
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

const axeScript = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * The accessibility rules axe-core checks (labels, names, contrast, landmarks, ARIA) that the
 * page breaks, as readable lines: empty when the page passes WCAG 2.1 A and AA.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated by the test, not added as a <script>: the app's CSP rightly refuses foreign scripts.
  await page.evaluate(await readFile(axeScript, 'utf8'));
  const violations = await page.evaluate<AxeViolation[]>(
    "axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }).then((result) => result.violations)",
  );
  return violations.map(
    (violation) =>
      `${violation.id} (${violation.impact ?? 'unknown'}): ${violation.help} at ${violation.nodes
        .map((node) => node.target.join(' '))
        .join(', ')}`,
  );
}

/** A full-page screenshot, after the page passed the accessibility check. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
  assert.deepEqual(await accessibilityViolations(page), [], `accessibility of ${name}`);
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
