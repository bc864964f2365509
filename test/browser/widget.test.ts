// The widget in a real browser: Debian's headless Chromium driven by playwright-core, against the real
// server process. Screenshots go to test-output/ (ignored by git) for a person to look at.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startServer, type ServerProcess } from '../serverProcess';
import { tempDir } from '../tmp';
import { bubble, launch, OUT, quickReply, step, ticketsIn, transcript, type } from './widgetPage';

describe('the chat widget in headless Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  const dataDir = tempDir();
  const problems: string[] = [];
  // Another website that embeds the widget with its own settings (a real cross-origin embed).
  let shop: http.Server;
  let shopUrl = '';
  beforeAll(async () => {
    shop = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title><h1>Jane's shop</h1>
        <script src="${server.url}/widget/embed.js" async data-position="left" data-accent="#b0006e" data-title="Help" data-open="true"></script>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://localhost:${(shop.address() as AddressInfo).port}`;
    [server, browser] = await Promise.all([startServer({ DATA_DIR: dataDir, WIDGET_ORIGINS: shopUrl }), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    shop?.close();
  });

  it('completes a login-trouble conversation to a ticket, and the conversation survives a reload', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });

    await page.goto(server.url);
    await page.locator('.kt-chat__panel').waitFor({ state: 'hidden' });
    await step(page, () => page.getByRole('button', { name: 'Open chat with Kartra Support' }).click(), 'Tell me in your own words');
    await step(page, () => quickReply(page, "I can't log in").click(), 'Which of these is closest to what happens?');
    await step(page, () => quickReply(page, 'Something else').click(), 'Shall I open a helpdesk ticket');
    await step(page, () => quickReply(page, 'Open a ticket').click(), 'username');
    await step(page, () => type(page, 'jane_doe'), 'What exactly happens when you try to log in?');
    // Typed markup must show as text, never become part of the page.
    await step(page, () => type(page, 'The page says <b>Access denied</b> <img src=x onerror="window.pwned=1">'), 'email address of your Kartra account');
    await step(page, () => type(page, 'jane@example.com'), 'Support Code');
    await type(page, 'AB12CD');

    // The summary card: correct one field through its drop-down, then confirm on the new card.
    const card = transcript(page).locator('.ac-adaptiveCard').last();
    await card.getByText('AB12CD').waitFor();
    await card.locator('select').selectOption({ label: 'Support code' });
    await step(page, () => card.getByRole('button', { name: 'Correct a field' }).click(), 'Support Code');
    await type(page, 'ZX98YW');
    const corrected = transcript(page).locator('.ac-adaptiveCard').filter({ hasText: 'ZX98YW' }).last();
    await corrected.getByText('jane@example.com').waitFor();
    await corrected.getByRole('button', { name: 'Open the ticket' }).click();
    const confirmation = bubble(page, /KT-[A-Z0-9]{6}/);
    await confirmation.waitFor();
    const reference = /KT-[A-Z0-9]{6}/.exec((await confirmation.textContent()) ?? '')?.[0];
    expect(reference).toBeDefined();
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await transcript(page).locator('b, img[src="x"]').count()).toBe(0);
    await bubble(page, '<b>Access denied</b>').waitFor();
    await page.screenshot({ path: path.join(OUT, 'widget-login-ticket.png') });
    expect((await ticketsIn(dataDir)).find((t) => t.reference === reference))
      .toMatchObject({ subject: "Can't log in", fields: { username: 'jane_doe', account_email: 'jane@example.com', support_code: 'ZX98YW' } });

    // Reload: the page keeps its conversation and shows its history again.
    await page.reload();
    await step(page, () => page.getByRole('button', { name: 'Open chat with Kartra Support' }).click(), reference ?? 'missing');
    await step(page, () => type(page, 'thanks!'), /welcome/i);
    await page.screenshot({ path: path.join(OUT, 'widget-after-reload.png') });

    // A new conversation in the same browser: the email of the last ticket is offered, not assumed.
    await page.getByRole('button', { name: 'Start a new conversation' }).click();
    await transcript(page).getByText(reference ?? 'missing').first().waitFor({ state: 'detached' });
    await bubble(page, 'Tell me in your own words').waitFor();
    await step(page, () => type(page, 'my account says it is not active'), 'Last time you gave jane@example.com as the email address of your Kartra account');
    await step(page, () => quickReply(page, 'Yes').click(), 'Support Code');

    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('sends a screenshot with the paperclip, and the ticket keeps the file', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(server.url);
    await step(page, () => page.getByRole('button', { name: 'Open chat with Kartra Support' }).click(), 'Tell me in your own words');
    await step(page, () => type(page, 'my ip address is blocked'), 'username');
    await step(page, () => type(page, 'paula_p'), 'IP address that is blocked');
    await step(page, () => type(page, '203.0.113.120'), 'What kind of place');
    await step(page, () => quickReply(page, 'Home').click(), 'speed test');
    // Web Chat's own upload button and file input, as a customer uses them.
    await step(page, () => page.locator('input[type="file"]').setInputFiles(path.join(__dirname, '../conversations/files/speedtest.png')), 'email address of your Kartra account');
    await page.screenshot({ path: path.join(OUT, 'widget-upload.png') });
    for (const answer of ['paula@example.com', 'changed my funnel', 'no']) await type(page, answer);
    await step(page, () => type(page, 'https://www.loom.com/share/paula-block'), 'VPN');
    await step(page, () => type(page, 'no'), 'Support Code');
    await type(page, 'PP-1');
    const card = transcript(page).locator('.ac-adaptiveCard').last();
    await card.getByText('PP-1').waitFor();
    // The link is shown whole in the card, as typed.
    await card.getByText('https://www.loom.com/share/paula-block', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Open the ticket' }).click();
    const reference = /KT-[A-Z0-9]{6}/.exec((await bubble(page, /KT-[A-Z0-9]{6}/).textContent()) ?? '')?.[0];
    const ticket = (await ticketsIn(dataDir)).find((t) => t.reference === reference) as { attachments?: { field: string; name: string; fileId?: string; url: string }[] } | undefined;
    const shot = ticket?.attachments?.find((a) => a.field === 'speed_test_screenshot');
    expect(shot).toMatchObject({ name: 'speedtest.png', fileId: expect.any(String) });
    const file = await fetch(shot?.url ?? '');
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).subarray(0, 4).toString('latin1')).toBe('\x89PNG');
    expect(errors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
    await context.close();
  }, 90_000);

  it('embeds on another allowed site, on the left in its colour, and fits a phone screen', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(shopUrl);
    await bubble(page, 'Tell me in your own words').waitFor();
    const panel = await page.locator('.kt-chat__panel').boundingBox();
    expect(panel).not.toBeNull();
    expect(panel!.x).toBeGreaterThanOrEqual(0);
    expect(panel!.x + panel!.width).toBeLessThanOrEqual(390);
    expect(panel!.y).toBeGreaterThanOrEqual(0);
    expect(await page.locator('.kt-chat__title').textContent()).toBe('Help');
    expect(await page.locator('.kt-chat__header').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(176, 0, 110)');
    await page.screenshot({ path: path.join(OUT, 'widget-phone.png') });
    await context.close();
  }, 60_000);
});
