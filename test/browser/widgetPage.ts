// Shared by the browser tests: launching Debian's Chromium and driving the Web Chat widget.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const OUT = path.resolve(__dirname, '../../test-output');
// The flags this machine needs: no sandbox as root, and no background calls to Google's hosts.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  fs.mkdirSync(OUT, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** The widget's transcript as the user sees it. */
export const transcript = (page: Page) => page.locator('.webchat__basic-transcript');
/** The latest chat bubble showing this text. */
export const bubble = (page: Page, text: string | RegExp) => page.locator('.webchat__bubble__content').filter({ hasText: text }).last();
/** Does something in the widget, then waits for a new bubble showing `reply` (not an older one). */
export async function step(page: Page, action: () => Promise<unknown>, reply: string | RegExp): Promise<void> {
  const matches = page.locator('.webchat__bubble__content').filter({ hasText: reply });
  const before = await matches.count();
  await action();
  await matches.nth(before).waitFor();
}
/** A suggested action (quick reply) under the last message. */
export const quickReply = (page: Page, title: string) => page.getByRole('toolbar', { name: 'Suggested actions' }).getByRole('button', { name: title });
const sendBox = (page: Page) => page.locator('[data-id="webchat-sendbox-input"]');

export async function type(page: Page, text: string): Promise<void> {
  await sendBox(page).fill(text);
  await sendBox(page).press('Enter');
}

/** The store's tickets, through the `tickets` command as a support lead would read them. */
export async function ticketsIn(dataDir: string, databaseUrl?: string): Promise<{ reference: string; subject: string; status: string; fields: Record<string, string>; transcript: { role: string; text: string }[] }[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.resolve(__dirname, '../../dist/scripts/tickets.js'), '--json'], { env: { ...process.env, DATA_DIR: dataDir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) } });
  return JSON.parse(stdout) as Awaited<ReturnType<typeof ticketsIn>>;
}
