// The web app in headless Chromium against the real services as processes: a customer on a
// phone, a barista on a tablet, the pickup display on a TV and an admin, each in a browser
// context of their own. Every page is saved as a screenshot (see support/browser.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  launchChromium,
  markDocument,
  screens,
  screenshot,
  stillSameDocument,
} from './support/browser.ts';
import { ServiceProcess, waitForPort, waitForReady } from './support/processes.ts';
import { restClient } from './support/rest.ts';
import { browserTestSystem } from './support/services-env.ts';

const { ports, base, run, admin, env } = browserTestSystem('web', 30);

const { rest, login } = restClient(base);

interface Person {
  name: string;
  email: string;
  password: string;
}

const person = (label: string): Person => ({
  name: `${label} ${randomUUID().slice(0, 4)}`,
  email: `${run}-${label.toLowerCase()}-${randomUUID().slice(0, 6)}@example.com`,
  password: 'a long password',
});

/** Signs up through the app's own form, landing on the menu. */
async function signUp(page: Page, who: Person): Promise<void> {
  await page.goto(`${base}/signup?next=/`);
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Menu' }).waitFor();
}

async function signIn(page: Page, who: { email: string; password: string }, next: string) {
  await page.goto(`${base}/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}${next}`);
}

/** Menu → the drink → an option → the cart. */
async function putInCart(page: Page, drink: string, option?: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByTestId(`menu-item-${drink}`).click();
  await page.getByRole('heading', { name: drink }).waitFor();
  if (option) await page.getByLabel(option).check();
  await page.getByRole('button', { name: /Add to cart/ }).click();
  await page.getByRole('heading', { name: 'Your cart' }).waitFor();
}

async function waitForStatus(page: Page, text: string, timeout = 20_000): Promise<void> {
  await page
    .getByTestId('order-status')
    .filter({ hasText: new RegExp(`^${text}$`) })
    .waitFor({ timeout });
}

describe('the web app in a browser', () => {
  const running = new Map<string, ServiceProcess>();
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let adminToken: string;

  const startService = async (name: 'customer' | 'order' | 'server') => {
    running.set(name, new ServiceProcess(name, env[name]));
    await waitForPort(ports[name], 60_000);
    if (name === 'server') await waitForReady(ports.server);
  };
  const open = async (screen: keyof typeof screens) => {
    const context = await browser.newContext(screens[screen]);
    contexts.push(context);
    return context.newPage();
  };
  /** A new customer, signed up through the app on a phone of their own. */
  const newCustomerOnPhone = async (label: string) => {
    const customer = person(label);
    const phone = await open('phone');
    await signUp(phone, customer);
    return { customer, phone };
  };

  before(async () => {
    await startService('customer');
    await startService('order');
    await startService('server');
    browser = await launchChromium();
    // The bootstrap admin is created shortly after the server starts.
    for (let attempt = 0; ; attempt += 1) {
      try {
        adminToken = await login(admin.email, admin.password);
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

  test('a customer orders on a phone while a barista on a tablet works the order, and the TV shows it ready', async () => {
    const customer = person('Grace');
    const barista = person('Barista');
    const { id: baristaId } = await rest<{ id: string }>(
      '/v1/customers/me',
      (
        await rest<{ accessToken: string }>('/v1/auth/register', undefined, {
          method: 'POST',
          body: JSON.stringify({
            email: barista.email,
            password: barista.password,
            displayName: barista.name,
          }),
        })
      ).accessToken,
    );
    await rest(`/v1/customers/${baristaId}/role`, adminToken, {
      method: 'PUT',
      body: JSON.stringify({ role: 'barista' }),
    });
    const { key } = await rest<{ key: string }>('/v1/displays', adminToken, { method: 'POST' });

    // The barista's board and the TV are open before the order exists: it must arrive live.
    const board = await open('tablet');
    await signIn(board, barista, '/barista');
    await board.getByText('● Live').waitFor();
    await markDocument(board);
    const tv = await open('tv');
    await tv.goto(`${base}/display#key=${encodeURIComponent(key)}`);
    await tv.getByRole('heading', { name: 'Ready for pickup' }).waitFor();
    // The key leaves the address bar, and stays with the TV.
    await tv.waitForURL(`${base}/display`);
    await markDocument(tv);

    const phone = await open('phone');
    await signUp(phone, customer);
    await screenshot(phone, 'phone-menu');
    await phone.getByTestId('menu-item-Caffè latte').click();
    await phone.getByLabel('Oat milk').check();
    await screenshot(phone, 'phone-drink');
    await phone.getByRole('button', { name: /Add to cart/ }).click();
    await phone.getByRole('heading', { name: 'Your cart' }).waitFor();
    await screenshot(phone, 'phone-cart');
    await phone.getByRole('button', { name: /Place order/ }).click();
    await waitForStatus(phone, 'Waiting for the barista');
    await markDocument(phone);
    const orderId = phone.url().split('/').pop() ?? '';

    const ticket = board.getByTestId(`ticket-${orderId}`);
    await board.getByTestId('column-placed').getByTestId(`ticket-${orderId}`).waitFor();
    assert.match(await ticket.innerText(), new RegExp(customer.name));
    assert.match(await ticket.innerText(), /Oat milk/);
    assert.match(await ticket.innerText(), /Cancels itself in \d+:\d\d unless accepted/);
    await screenshot(board, 'tablet-barista-new-order');

    await ticket.getByRole('button', { name: /^Accept/ }).click();
    await waitForStatus(phone, 'Being made');
    await board.getByTestId('column-accepted').getByTestId(`ticket-${orderId}`).waitFor();
    await screenshot(phone, 'phone-tracker-accepted');

    await board
      .getByTestId(`ticket-${orderId}`)
      .getByRole('button', { name: /^Ready/ })
      .click();
    await waitForStatus(phone, 'Ready for pickup');
    await phone.getByText('Your order is ready. Pick it up at the counter!').waitFor();
    await tv.getByTestId('pickup-names').getByText(customer.name).waitFor();
    await screenshot(phone, 'phone-tracker-ready');
    await screenshot(board, 'tablet-barista-ready');
    await screenshot(tv, 'tv-pickup-display');
    assert.ok(await stillSameDocument(phone), 'the tracker updated without a reload');
    assert.ok(await stillSameDocument(board), 'the board updated without a reload');
    assert.ok(await stillSameDocument(tv), 'the display updated without a reload');

    await phone.getByRole('button', { name: 'I picked it up' }).click();
    await waitForStatus(phone, 'Picked up');
    await tv.getByTestId('pickup-names').getByText(customer.name).waitFor({ state: 'detached' });
    await phone.goto(`${base}/orders`);
    await phone.getByText('Picked up').first().waitFor();
    await screenshot(phone, 'phone-order-history');
    // Loyalty points arrive through Kafka from the order events.
    await phone.goto(`${base}/me`);
    await phone
      .getByTestId('loyalty-points')
      .filter({ hasNotText: /^0$/ })
      .waitFor({ timeout: 20_000 });
    await screenshot(phone, 'phone-profile');
  });

  test('a double-tapped order button, or the same cart sent from two tabs, places one order', async () => {
    const { customer, phone } = await newCustomerOnPhone('Alan');
    await putInCart(phone, 'Espresso');
    const button = phone.getByRole('button', { name: /Place order/ });
    await button.dblclick();
    await waitForStatus(phone, 'Waiting for the barista');

    // A second tab shares the cart, and with it the Idempotency-Key of sending it.
    await putInCart(phone, 'Cappuccino');
    const otherTab = await phone.context().newPage();
    await otherTab.goto(`${base}/cart`);
    await otherTab.getByRole('button', { name: /Place order/ }).waitFor();
    // Both submit before either answer arrives (a click waits for too much to race like this).
    await Promise.all(
      [phone, otherTab].map((tab) =>
        tab.evaluate("document.querySelector('form.checkout').requestSubmit()"),
      ),
    );
    await waitForStatus(phone, 'Waiting for the barista');
    await waitForStatus(otherTab, 'Waiting for the barista');
    assert.equal(otherTab.url(), phone.url(), 'both tabs follow the same order');

    const token = await login(customer.email, customer.password);
    const { orders } = await rest<{ orders: { items: { name: string }[] }[] }>('/v1/orders', token);
    assert.deepEqual(orders.map((order) => order.items.map((line) => line.name).join()).sort(), [
      'Cappuccino',
      'Espresso',
    ]);
  });

  test("an admin marks a drink unavailable and the customer's menu shows it, without a reload", async () => {
    const drink = `Cortado ${randomUUID().slice(0, 4)}`;
    const { phone } = await newCustomerOnPhone('Mary');
    await markDocument(phone);

    const tablet = await open('tablet');
    await signIn(tablet, admin, '/admin');
    await tablet.getByText('Add a drink').click();
    await tablet.getByLabel('Name', { exact: true }).first().fill(drink);
    await tablet.getByLabel('Price').first().fill('3.20');
    await tablet.getByLabel('Description').first().fill('Espresso cut with a little warm milk');
    await tablet.getByRole('button', { name: 'Add to the menu' }).click();
    const row = tablet.getByTestId(`admin-item-${drink}`);
    await row.waitFor();
    await phone.getByTestId(`menu-item-${drink}`).waitFor({ timeout: 20_000 });

    await row.getByLabel('Available').uncheck();
    await tablet.getByText('Saved.').waitFor();
    await screenshot(tablet, 'tablet-admin-menu');
    await phone
      .getByTestId(`menu-item-${drink}`)
      .filter({ hasText: 'Unavailable' })
      .waitFor({ timeout: 20_000 });
    assert.ok(await stillSameDocument(phone), 'the menu updated without a reload');
    await phone.getByTestId(`menu-item-${drink}`).click();
    await phone.getByText(`${drink} is unavailable right now.`).waitFor();
    assert.ok(await phone.getByRole('button', { name: /Add to cart/ }).isDisabled());
    await screenshot(phone, 'phone-drink-unavailable');
  });

  test('the server stopped and started again: the app says so, then recovers by itself', async () => {
    const { phone } = await newCustomerOnPhone('Edsger');
    await putInCart(phone, 'Flat white');
    await phone.getByRole('button', { name: /Place order/ }).click();
    await waitForStatus(phone, 'Waiting for the barista');
    await phone.getByText('● Live').waitFor();
    const orderId = phone.url().split('/').pop() ?? '';
    await markDocument(phone);

    assert.equal(await running.get('server')?.stop(), 0);
    await phone.getByText('Can’t reach the café right now.').waitFor({ timeout: 30_000 });
    await phone.getByText('○ Reconnecting…').waitFor();
    await screenshot(phone, 'phone-server-down');

    await startService('server');
    await rest(`/v1/orders/${orderId}/accept`, await login(admin.email, admin.password), {
      method: 'POST',
    });
    // The stream reconnects by itself and the order moves on, without a reload.
    await waitForStatus(phone, 'Being made', 40_000);
    await phone.getByText('● Live').waitFor();
    await phone.getByText('Can’t reach the café right now.').waitFor({ state: 'detached' });
    assert.ok(await stillSameDocument(phone), 'the tracker recovered without a reload');
    await screenshot(phone, 'phone-server-back');
  });

  test('the pages outside the journeys render, and pass the accessibility check too', async () => {
    const phone = await open('phone');
    for (const [path, name] of [
      ['/signin', 'phone-sign-in'],
      ['/signup', 'phone-sign-up'],
      ['/cart', 'phone-cart-empty'],
      ['/nowhere', 'phone-not-found'],
    ] as const) {
      await phone.goto(`${base}${path}`);
      await phone.getByRole('heading').first().waitFor();
      await screenshot(phone, name);
    }
    const tv = await open('tv');
    await tv.goto(`${base}/display`);
    await tv.getByText('Open the display link an admin creates').waitFor();
    await screenshot(tv, 'tv-display-without-key');
  });
});
