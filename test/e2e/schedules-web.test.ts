// Scheduled orders and the installable app in headless Chromium, against the real services as
// processes: a customer schedules from the cart on a phone and manages the schedule; the
// barista's tablet shows what is scheduled within the hour. Every new screen is checked with
// axe and saved as a screenshot on phone, tablet and TV.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screens, screenshot } from './support/browser.ts';
import { ServiceProcess, waitForPort, waitForReady } from './support/processes.ts';
import { restClient } from './support/rest.ts';
import { browserTestSystem } from './support/services-env.ts';

const { ports, base, run, admin, env } = browserTestSystem('schedules', 36);

const { rest, login } = restClient(base);

/** Width and height of a PNG, from its header. */
const pngSize = (bytes: ArrayBuffer) => {
  const view = new DataView(bytes);
  return `${view.getUint32(16)}x${view.getUint32(20)}`;
};

describe('scheduled orders and the installable app in a browser', () => {
  const running = new Map<string, ServiceProcess>();
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const startService = async (name: 'customer' | 'order' | 'server') => {
    running.set(name, new ServiceProcess(name, env[name]));
    await waitForPort(ports[name], 60_000);
    if (name === 'server') await waitForReady(ports.server);
  };
  const open = async (screen: keyof typeof screens) => {
    const context = await browser.newContext({ ...screens[screen], timezoneId: 'Europe/Berlin' });
    contexts.push(context);
    return context.newPage();
  };
  const signUp = async (page: Page, name: string) => {
    const email = `${run}-${randomUUID().slice(0, 6)}@example.com`;
    await page.goto(`${base}/signup?next=/`);
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('a long password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Menu' }).waitFor();
    return { email, password: 'a long password' };
  };

  /**
   * Signs in through the app's form. On this shared 2-core machine a sign-in can outlast the
   * server's upstream deadline while password hashing competes for the CPU (a 503 the form
   * shows); a person would press the button again, and so does this.
   */
  const signInAsAdmin = async (page: Page, next: string) => {
    await page.goto(`${base}/signin?next=${next}`);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    for (let attempt = 1; ; attempt++) {
      await page.getByRole('button', { name: 'Sign in' }).click();
      try {
        await page.waitForURL(`${base}${next}`, { timeout: 10_000 });
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  };

  before(async () => {
    await startService('customer');
    await startService('order');
    await startService('server');
    browser = await launchChromium();
    // The bootstrap admin, who works the board here, is created shortly after the server starts.
    for (let attempt = 0; ; attempt += 1) {
      try {
        await login(admin.email, admin.password);
        break;
      } catch (error) {
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser.close();
    for (const name of ['server', 'order', 'customer']) await running.get(name)?.stop();
  });

  test('a customer schedules "my usual at 07:30 on weekdays" from the cart, then pauses, resumes and skips it', async () => {
    const phone = await open('phone');
    const grace = `Grace ${randomUUID().slice(0, 4)}`;
    await signUp(phone, grace);
    await phone.getByTestId('menu-item-Caffè latte').click();
    await phone.getByRole('button', { name: /Add to cart/ }).click();
    await phone.getByRole('heading', { name: 'Your cart' }).waitFor();
    await phone.getByLabel('Every week, on the days below').check();
    await phone.getByLabel('Ready at').fill('07:30');
    await screenshot(phone, 'phone-cart-schedule');
    // A double tap makes one schedule.
    await phone.getByRole('button', { name: 'Schedule it' }).dblclick();
    await phone.waitForURL(`${base}/schedules`);

    const card = phone.locator('li.schedule');
    await card.getByText('07:30 on Mon, Tue, Wed, Thu, Fri (Europe/Berlin)').waitFor();
    assert.equal(await card.count(), 1);
    await card.getByText(/We place it around .*, at the barista’s current pace\./).waitFor();
    await screenshot(phone, 'phone-schedules');

    await card.getByRole('button', { name: 'Pause' }).click();
    await card.getByText('Paused.').waitFor();
    await screenshot(phone, 'phone-schedules-paused');
    await card.getByRole('button', { name: 'Resume' }).click();
    await card.getByRole('button', { name: 'Skip the next one' }).click();
    await card.getByText('Past runs').click();
    await card.getByText('skipped by the customer').waitFor();
    await screenshot(phone, 'phone-schedules-runs');

    // The same page on a tablet and a TV.
    for (const screen of ['tablet', 'tv'] as const) {
      const page = await open(screen);
      await signUp(page, `${grace} ${screen}`);
      await page.goto(`${base}/schedules`);
      await page.getByText('Nothing scheduled.').waitFor();
      await screenshot(page, `${screen}-schedules-empty`);
    }
  });

  test('the barista’s board shows the orders scheduled within the hour, with names', async () => {
    const name = `Ada ${randomUUID().slice(0, 4)}`;
    const customer = await rest<{ accessToken: string }>('/v1/auth/register', undefined, {
      method: 'POST',
      body: JSON.stringify({
        email: `${run}-ada-${randomUUID().slice(0, 6)}@example.com`,
        password: 'a long password',
        displayName: name,
      }),
    });
    const { items } = await rest<{ items: { id: string; name: string }[] }>('/v1/menu');
    const flatWhite = items.find((item) => item.name === 'Flat white')?.id ?? '';
    await rest('/v1/schedules', customer.accessToken, {
      method: 'POST',
      body: JSON.stringify({
        items: [{ menuItemId: flatWhite, quantity: 2 }],
        timeZone: 'Europe/Berlin',
        at: new Date(Date.now() + 45 * 60_000).toISOString(),
      }),
    });
    const board = await open('tablet');
    await signInAsAdmin(board, '/barista');
    const upcoming = board.getByTestId('upcoming-scheduled');
    await upcoming.getByText(name).waitFor();
    assert.match(await upcoming.innerText(), /2 × Flat white/);
    assert.match(await upcoming.innerText(), /ready by/);
    await board.getByRole('button', { name: 'Full screen' }).waitFor();
    await screenshot(board, 'tablet-barista-upcoming');
    const tv = await open('tv');
    await signInAsAdmin(tv, '/barista');
    await tv.getByTestId('upcoming-scheduled').getByText(name).waitFor();
    await screenshot(tv, 'tv-barista-upcoming');
  });

  test('the app is installable: a manifest with its icons, linked from every page', async () => {
    const phone = await open('phone');
    await phone.goto(`${base}/`);
    const href = await phone.locator('link[rel="manifest"]').getAttribute('href');
    assert.equal(href, '/manifest.webmanifest');
    const manifest = await rest<{
      name: string;
      start_url: string;
      display: string;
      icons: { src: string; sizes: string; type: string; purpose?: string }[];
    }>('/manifest.webmanifest');
    assert.equal(manifest.start_url, '/');
    assert.equal(manifest.display, 'standalone');
    for (const icon of manifest.icons.filter((entry) => entry.type === 'image/png')) {
      const response = await fetch(`${base}${icon.src}`);
      assert.equal(response.status, 200, icon.src);
      assert.equal(pngSize(await response.arrayBuffer()), icon.sizes, icon.src);
    }
    assert.ok(
      manifest.icons.some((icon) => icon.sizes === '512x512' && icon.purpose === 'maskable'),
    );
    // Chromium itself finds the manifest valid and installable.
    const session = await phone.context().newCDPSession(phone);
    const { errors } = (await session.send('Page.getAppManifest')) as { errors: unknown[] };
    assert.deepEqual(errors, []);
  });

  test('the service worker shows a Web Push message as a notification, and the tracker offers one', async () => {
    const phone = await open('phone');
    await phone.context().grantPermissions(['notifications'], { origin: base });
    await signUp(phone, `Notified ${randomUUID().slice(0, 4)}`);
    await phone.getByTestId('menu-item-Espresso').click();
    await phone.getByRole('button', { name: /Add to cart/ }).click();
    await phone.getByRole('button', { name: /Place order/ }).click();
    await phone
      .getByTestId('order-status')
      .filter({ hasText: 'Waiting for the barista' })
      .waitFor();
    await phone.getByRole('button', { name: 'Tell me when it’s ready' }).waitFor();
    await screenshot(phone, 'phone-tracker-notify-offer');

    const devtools = await phone.context().newCDPSession(phone);
    const registered = new Promise<string>((resolve) => {
      devtools.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((registration) => registration.scopeURL === `${base}/`);
        if (ours && !ours.isDeleted) resolve(ours.registrationId);
      });
    });
    await devtools.send('ServiceWorker.enable');
    await phone.evaluate(
      "navigator.serviceWorker.register('/sw.js', { scope: '/' }).then(() => navigator.serviceWorker.ready).then(() => true)",
    );
    const orderId = phone.url().split('/').pop() ?? '';
    await devtools.send('ServiceWorker.deliverPushMessage', {
      origin: base,
      registrationId: await registered,
      data: JSON.stringify({
        kind: 'ready',
        title: 'Your order is ready',
        body: 'Pick it up at the counter!',
        orderId,
        url: `/orders/${orderId}`,
      }),
    });
    let shown: { title: string; body: string; tag: string }[] = [];
    for (let attempt = 0; attempt < 50 && shown.length === 0; attempt++) {
      shown = await phone.evaluate<{ title: string; body: string; tag: string }[]>(
        'navigator.serviceWorker.ready.then((registration) => registration.getNotifications()).then((found) => found.map(({ title, body, tag }) => ({ title, body, tag })))',
      );
      if (shown.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(shown, [
      { title: 'Your order is ready', body: 'Pick it up at the counter!', tag: orderId },
    ]);
  });
});
