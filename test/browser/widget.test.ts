// The widget in a real browser: Debian's headless Chromium driven by playwright-core, against the real
// server process. Screenshots go to test-output/ (ignored by git) for a person to look at.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type ServerProcess } from '../serverProcess';
import { tempDir } from '../tmp';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = path.resolve(__dirname, '../../test-output');
// The flags this machine needs: no sandbox as root, and no background calls to Google's hosts.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** The widget's transcript as the user sees it. */
const transcript = (page: Page) => page.locator('.webchat__basic-transcript');
/** The latest chat bubble showing this text. */
const bubble = (page: Page, text: string | RegExp) => page.locator('.webchat__bubble__content').filter({ hasText: text }).last();
/** A suggested action (quick reply) under the last message. */
const quickReply = (page: Page, title: string) => page.getByRole('toolbar', { name: 'Suggested actions' }).getByRole('button', { name: title });
const sendBox = (page: Page) => page.locator('[data-id="webchat-sendbox-input"]');

async function type(page: Page, text: string): Promise<void> {
  await sendBox(page).fill(text);
  await sendBox(page).press('Enter');
}

describe('the chat widget in headless Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  const problems: string[] = [];
  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    [server, browser] = await Promise.all([startServer({ DATA_DIR: tempDir() }), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('completes a login-trouble conversation to a ticket, and the conversation survives a reload', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });

    await page.goto(server.url);
    await page.locator('.kt-chat__panel').waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Open chat with Kartra Support' }).click();
    await bubble(page, 'Tell me in your own words').waitFor();

    await quickReply(page, "I can't log in").click();
    await bubble(page, 'Which of these is closest to what happens?').waitFor();
    await quickReply(page, 'Something else').click();
    await quickReply(page, 'Open a ticket').click();
    await bubble(page, 'username').waitFor();
    await type(page, 'jane_doe');
    await bubble(page, 'What exactly happens when you try to log in?').waitFor();
    // Typed markup must show as text, never become part of the page.
    await type(page, 'The page says <b>Access denied</b> <img src=x onerror="window.pwned=1">');
    await bubble(page, 'email address of your Kartra account').waitFor();
    await type(page, 'jane@example.com');
    await bubble(page, 'Support Code').waitFor();
    await type(page, 'AB12CD');

    const card = transcript(page).locator('.ac-adaptiveCard').last();
    await card.waitFor();
    await card.getByText('jane@example.com').waitFor();
    await card.getByRole('button', { name: 'Open the ticket' }).click();
    const confirmation = bubble(page, /KT-[A-Z0-9]{6}/);
    await confirmation.waitFor();
    const reference = /KT-[A-Z0-9]{6}/.exec((await confirmation.textContent()) ?? '')?.[0];
    expect(reference).toBeDefined();
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await transcript(page).locator('b, img[src="x"]').count()).toBe(0);
    await bubble(page, '<b>Access denied</b>').waitFor();
    await page.screenshot({ path: path.join(OUT, 'widget-login-ticket.png') });

    // Reload: the page keeps its conversation and shows its history again.
    await page.reload();
    await page.getByRole('button', { name: 'Open chat with Kartra Support' }).click();
    await bubble(page, reference ?? 'missing').waitFor();
    await type(page, 'thanks!');
    await bubble(page, /welcome|glad|anything else/i).waitFor();
    await page.screenshot({ path: path.join(OUT, 'widget-after-reload.png') });

    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
