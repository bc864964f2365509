// The agent console's ticket list in headless Chromium, against the real server process and a real SMTP
// server: a ticket the help desk refused shows as failed with the reason, "Retry delivery" sends it again,
// and it shows as delivered.
import crypto from 'node:crypto';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { hashSecret } from '../../bot/agent/secrets';
import { smtpReceiver, type SmtpReceiver } from '../delivery/receivers';
import { startServer, type ServerProcess } from '../serverProcess';
import { tempDir } from '../tmp';
import { launch, OUT } from './widgetPage';

describe('ticket deliveries in the agent console (Chromium)', () => {
  let server: ServerProcess;
  let browser: Browser;
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    smtp = await smtpReceiver();
    smtp.refuseWith = { code: 550, message: 'Mailbox unavailable' };
    [server, browser] = await Promise.all([startServer({
      DATA_DIR: tempDir(), AGENTS: `Maria=${hashSecret('maria-secret-1')}`,
      SMTP_URL: smtp.url, TICKET_EMAIL_FROM: 'bot@triage.example', TICKET_EMAIL_TO: 'support@helpdesk.example',
    }), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await smtp?.close();
  });

  it('shows a refused delivery with its reason; "Retry delivery" sends it again', async () => {
    const conversation = `console-${crypto.randomUUID()}`;
    const say = async (fields: Record<string, unknown>) => {
      const res = await fetch(`${server.url}/api/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', id: crypto.randomUUID(), channelId: 'emulator', deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:1', conversation: { id: conversation }, from: { id: 'u' }, recipient: { id: 'bot' }, ...fields }),
      });
      return ((await res.json()) as { activities: Array<{ text?: string }> }).activities.map((a) => a.text ?? '').join('\n');
    };
    await say({ text: 'When I log in it says "This Kartra account is not active". My login email is ann@example.com' });
    await say({ text: 'SC-5521' });
    const reference = /KT-[A-Z0-9]{6}/.exec(await say({ value: { summary: 'confirm' } }))?.[0] ?? '';
    expect(reference).not.toBe('');

    const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await page.goto(`${server.url}/agent`);
    await page.getByLabel('Name').fill('Maria');
    await page.getByLabel('Secret').fill('maria-secret-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const item = page.locator('#tickets li').filter({ hasText: reference });
    await item.getByText('This Kartra account is not active').first().waitFor();
    // The worker tries within a second or two; the list refreshes on its own every 15 s, a reload is quicker.
    for (let i = 0; i < 20 && !(await item.getByText(/failed: mail server answered: 550 Mailbox unavailable/).count()); i++) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    await item.getByText('email → support@helpdesk.example: failed: mail server answered: 550 Mailbox unavailable').waitFor();
    await page.screenshot({ path: path.join(OUT, 'console-delivery-failed.png') });

    smtp.refuseWith = undefined;
    await item.getByRole('button', { name: 'Retry delivery' }).click();
    for (let i = 0; i < 20 && !(await item.getByText(/: delivered 20/).count()); i++) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    await item.getByText(/email → support@helpdesk\.example: delivered 20/).waitFor();
    expect(await item.getByRole('button', { name: 'Retry delivery' }).count()).toBe(0);
    expect(smtp.mails.map((m) => m.subject)).toEqual(['This Kartra account is not active']);
    await page.screenshot({ path: path.join(OUT, 'console-delivery-retried.png') });
  }, 90_000);
});
