// A round for the table in headless Chromium, against the real services as processes: three
// people at a table on a phone, a tablet and a TV start and join a round (by link and by
// code), pick their drinks, and the starter sends it, paying for everyone; the barista's board
// shows the round as one card with names, and the table is told when the whole round is ready.
// Every new screen is checked with axe and saved as a screenshot on phone, tablet and TV.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screens, screenshot } from './support/browser.ts';
import { ServiceProcess, waitForPort, waitForReady } from './support/processes.ts';
import { restClient } from './support/rest.ts';
import { browserTestSystem } from './support/services-env.ts';

const { ports, base, run, admin, env } = browserTestSystem('rounds', 46);

const { rest, login } = restClient(base);

describe('a round for the table in a browser', () => {
  const running = new Map<string, ServiceProcess>();
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let menu: { id: string; name: string }[] = [];

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
  const signUp = async (page: Page, name: string, next = '/') => {
    await page.goto(`${base}/signup?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Email').fill(`${run}-${randomUUID().slice(0, 6)}@example.com`);
    await page.getByLabel('Password').fill('a long password');
    await page.getByRole('button', { name: 'Create account' }).click();
  };
  /** Signs in through the form, pressing again when the loaded machine made it time out. */
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
  const addDrink = async (page: Page, name: string) => {
    const drinks = page.getByTestId('my-drinks');
    await drinks
      .getByLabel('Add a drink')
      .selectOption(menu.find((item) => item.name === name)?.id ?? '');
    await drinks.getByRole('button', { name: 'Add' }).click();
    await drinks.getByText(`1 × ${name}`).waitFor();
  };

  before(async () => {
    await startService('customer');
    await startService('order');
    await startService('server');
    browser = await launchChromium();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await login(admin.email, admin.password);
        break;
      } catch (error) {
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    menu = (await rest<{ items: { id: string; name: string }[] }>('/v1/menu')).items;
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser.close();
    for (const name of ['server', 'order', 'customer']) await running.get(name)?.stop();
  });

  test('three at a table start, join by link and by code, pick drinks; the starter pays for everyone; the board shows one card; the table is told it is ready', async () => {
    const tag = randomUUID().slice(0, 4);
    const [ada, bo, cy] = [`Ada ${tag}`, `Bo ${tag}`, `Cy ${tag}`];

    const phone = await open('phone');
    await signUp(phone, ada, '/rounds');
    await phone.getByRole('heading', { name: 'Round for the table' }).waitFor();
    await screenshot(phone, 'phone-rounds-start');
    await phone.getByRole('button', { name: 'Start a round' }).click();
    const code = (await phone.getByTestId('round-code').innerText()).trim();
    assert.match(code, /^[2-9A-HJKMNP-Z]{6}$/);
    const roundPath = new URL(phone.url()).pathname;
    const roundId = roundPath.split('/').pop() ?? '';
    await addDrink(phone, 'Caffè latte');
    await screenshot(phone, 'phone-round-open');

    // Bo follows the shared link on a tablet; Cy types the code on a TV-sized screen.
    const tablet = await open('tablet');
    await signUp(tablet, bo, `/rounds/join/${code}`);
    await tablet.waitForURL(`${base}${roundPath}`);
    await addDrink(tablet, 'Espresso');
    await screenshot(tablet, 'tablet-round-member');

    const tv = await open('tv');
    await signUp(tv, cy, '/rounds');
    await tv.getByLabel('Code from the table').fill(code.toLowerCase());
    await tv.getByRole('button', { name: 'Join' }).click();
    await tv.waitForURL(`${base}${roundPath}`);
    await addDrink(tv, 'Flat white');
    await screenshot(tv, 'tv-round-member');

    // The starter sees everyone's drinks and sends the round, paying for everyone.
    await phone
      .getByTestId(`member-${cy}`)
      .getByText('1 × Flat white')
      .waitFor({ timeout: 15_000 });
    await phone.getByTestId(`member-${bo}`).getByText('1 × Espresso').waitFor();
    await phone.getByLabel(/I’ll pay for everyone/).check();
    await screenshot(phone, 'phone-round-ready-to-send');
    // A double tap sends it once.
    await phone.getByRole('button', { name: 'Send the round to the barista' }).dblclick();
    await phone.getByTestId('round-status').filter({ hasText: 'Sent to the barista' }).waitFor();
    await phone.getByText('The starter pays for everyone.').waitFor();
    await screenshot(phone, 'phone-round-sent');

    // The barista: one card with the three names, on the tablet and on the TV.
    const board = await open('tablet');
    await signInAsAdmin(board, '/barista');
    const card = board.getByTestId('column-placed').getByTestId(`round-${roundId}`);
    await card.waitFor();
    for (const name of [ada, bo, cy]) await card.getByText(name).first().waitFor();
    assert.equal(await card.locator('.ticket').count(), 3);
    await screenshot(board, 'tablet-barista-round');
    const tvBoard = await open('tv');
    await signInAsAdmin(tvBoard, '/barista');
    await tvBoard.getByTestId(`round-${roundId}`).waitFor();
    await screenshot(tvBoard, 'tv-barista-round');

    await card.getByRole('button', { name: 'Accept: the whole round' }).click();
    const making = board.getByTestId('column-accepted').getByTestId(`round-${roundId}`);
    await making.locator('.ticket').nth(2).waitFor();
    // Two drinks ready is not the round ready.
    const tickets = making.locator('.ticket');
    await tickets
      .first()
      .getByRole('button', { name: /^Ready/ })
      .click();
    await board.getByTestId('column-ready').getByTestId(`round-${roundId}`).waitFor();
    await phone.waitForTimeout(1_000);
    assert.equal(await phone.getByTestId('round-status').innerText(), 'Sent to the barista');
    await making.getByRole('button', { name: 'Ready: the whole round' }).click();

    // The whole table is told: each member's page says so.
    for (const page of [phone, tablet, tv])
      await page
        .getByTestId('round-status')
        .filter({ hasText: 'Your round is ready!' })
        .waitFor({ timeout: 15_000 });
    await screenshot(phone, 'phone-round-ready');
    await screenshot(tablet, 'tablet-round-ready');
    await screenshot(tv, 'tv-round-ready');
  });

  test('a tab that would be refused: the starter is told whose, and goes on without them', async () => {
    const tag = randomUUID().slice(0, 4);
    const phone = await open('phone');
    await signUp(phone, `Dee ${tag}`, '/rounds');
    await phone.getByRole('button', { name: 'Start a round' }).click();
    const code = (await phone.getByTestId('round-code').innerText()).trim();
    const roundId = new URL(phone.url()).pathname.split('/').pop() ?? '';
    await addDrink(phone, 'Espresso');
    // Eli joins through the API and orders more than a tab may hold (100.00 by default).
    const eli = await rest<{ accessToken: string }>('/v1/auth/register', undefined, {
      method: 'POST',
      body: JSON.stringify({
        email: `${run}-eli-${randomUUID().slice(0, 6)}@example.com`,
        password: 'a long password',
        displayName: `Eli ${tag}`,
      }),
    });
    await rest('/v1/rounds/join', eli.accessToken, {
      method: 'POST',
      body: JSON.stringify({ code }),
    });
    const latte = menu.find((item) => item.name === 'Caffè latte')?.id ?? '';
    await rest(`/v1/rounds/${roundId}/items`, eli.accessToken, {
      method: 'PUT',
      body: JSON.stringify({
        items: [
          { menuItemId: latte, quantity: 20 },
          { menuItemId: latte, quantity: 20, options: [] },
        ],
      }),
    });
    await phone
      .getByTestId(`member-Eli ${tag}`)
      .getByText(/20 × Caffè latte/)
      .first()
      .waitFor({
        timeout: 15_000,
      });
    await phone.getByRole('button', { name: 'Send the round to the barista' }).click();
    const refusal = phone.getByRole('alert').filter({ hasText: 'Nothing was sent.' });
    await refusal.getByText(`Eli ${tag}:`, { exact: false }).waitFor();
    await screenshot(phone, 'phone-round-tab-refused');
    await refusal.getByRole('button', { name: `Go on without Eli ${tag}` }).click();
    await phone.getByTestId('round-status').filter({ hasText: 'Sent to the barista' }).waitFor();
  });
});
