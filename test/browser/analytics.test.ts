// The lead's analytics page in headless Chromium against the real server process, over seeded
// conversations: the outcome numbers beside their charts, the topics, abandoned forms, ratings, and the
// CSV export. Screenshot in test-output/analytics.png.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { hashSecret } from '../../bot/agent/secrets';
import { openStore } from '../../bot/store';
import type { NewEvent } from '../../bot/store/analytics';
import { startServer, type ServerProcess } from '../serverProcess';
import { tempDir } from '../tmp';
import { launch, OUT } from './widgetPage';

type Seed = Array<Omit<NewEvent, 'conversationId' | 'channel'>>;
const RESOLVED: Seed = [{ kind: 'message' }, { kind: 'answered', intent: 'faq.checkout_languages', detail: 'checkout_languages' }, { kind: 'message', detail: 'thanks' }, { kind: 'csat', rating: 5 }];
const TICKET: Seed = [{ kind: 'message' }, { kind: 'question', intent: 'login.account_inactive', detail: 'login.support_code' }, { kind: 'message' }, { kind: 'ticket', intent: 'login.account_inactive', detail: 'Billing' }, { kind: 'csat', rating: 4 }];
const ABANDONED: Seed = [{ kind: 'message' }, { kind: 'question', intent: 'ip_block', detail: 'ip_block.ip_address' }];
const HANDOFF: Seed = [{ kind: 'message' }, { kind: 'handoff', intent: 'handoff.human', detail: 'user_request' }, { kind: 'csat', rating: 2 }];
const MISSED: Seed = [{ kind: 'message' }, { kind: 'out_of_scope', text: 'blorp' }];

describe('the analytics page (Chromium)', () => {
  let server: ServerProcess;
  let browser: Browser;
  const dataDir = tempDir();
  beforeAll(async () => {
    // Two days ago, so every conversation has ended.
    const store = await openStore({ dataDir }, { instanceId: 'seed', now: () => Date.now() - 2 * 86_400_000 });
    const plan: Array<[Seed, number, string]> = [[RESOLVED, 12, 'directline'], [TICKET, 8, 'directline'], [TICKET, 2, 'msteams'], [ABANDONED, 5, 'directline'], [HANDOFF, 3, 'msteams'], [MISSED, 4, 'directline']];
    let n = 0;
    for (const [events, count, channel] of plan) {
      for (let i = 0; i < count; i++, n++) for (const e of events) await store.analytics.record({ ...e, conversationId: `seed-${n}`, channel });
    }
    await store.close();
    [server, browser] = await Promise.all([startServer({ DATA_DIR: dataDir, AGENTS: `Lee=${hashSecret('lead-secret-77')}` }), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows outcomes, topics, abandoned forms, channels and ratings with their charts, and exports CSV', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`${m.text()} (${m.location().url})`); });
    await page.goto(`${server.url}/agent/analytics`);
    await page.waitForURL(/\/agent\/login$/);
    await page.getByLabel('Name').fill('Lee');
    await page.getByLabel('Secret').fill('lead-secret-77');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByText(/^34 conversations started between/).waitFor();

    const rows = async (id: string) => page.locator(`#${id} tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
    expect(await rows('outcomes')).toEqual([
      ['Outcome', 'Conversations', 'Share'],
      ['resolved', '12', '35.3%'], ['ticket', '10', '29.4%'], ['handed off', '3', '8.8%'], ['abandoned', '5', '14.7%'],
      ['out of scope', '4', '11.8%'], ['no request', '0', '0.0%'], ['in progress', '0', '0.0%'],
    ]);
    expect(await rows('csat')).toEqual([['Ratings', 'Average'], ['25', '4.24 / 5']]);
    expect(await rows('abandoned')).toEqual([['Question', 'Left here'], ['ip_block.ip_address', '5']]);
    expect((await rows('intents'))[1]?.slice(0, 3)).toEqual(['faq.checkout_languages', '12', '12']);
    expect((await rows('channels')).map((r) => [r[0], r[1], r.at(-1)])).toEqual([['Channel', 'Conversations', 'CSAT'], ['directline', '29', '4.60'], ['msteams', '5', '2.80']]);
    expect(await rows('rates')).toContainEqual(['could not place a message (out of scope)', '11.8%']);
    expect((await rows('channels')).map((r) => r.at(-2))).toEqual(['out of scope', '13.8%', '0.0%']);
    await page.getByText('Abandoned: the bot\'s last question was part of a form').waitFor();
    // Every chart drew on its canvas.
    for (const id of ['outcomes-chart', 'csat-chart', 'intents-chart', 'abandoned-chart']) {
      const drawn = await page.locator(`#${id}`).evaluate((c) => {
        const canvas = c as HTMLCanvasElement;
        const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
        return canvas.width > 0 && pixels.some((v, i) => i % 4 === 3 && v > 0);
      });
      expect([id, drawn]).toEqual([id, true]);
    }
    await page.screenshot({ path: path.join(OUT, 'analytics.png'), fullPage: true });

    const csv = await page.evaluate(async () => (await fetch((document.getElementById('csv') as HTMLAnchorElement).href)).text());
    expect(csv.split('\n')).toEqual(expect.arrayContaining(['section,key,value', 'all,conversations,34', 'outcome,resolved,12', 'outcome rate,resolved,0.353', 'abandoned at,ip_block.ip_address,5', 'csat,average,4.24', 'tickets by department,Billing,10', 'channel directline,out of scope rate,0.138']));
    const bad = await page.evaluate(async () => { const r = await fetch('/agent/api/analytics?since=yesterday'); return [r.status, (await r.json() as { error: string }).error]; });
    expect(bad).toEqual([400, 'since: "yesterday" is not a period (24h, 7d, 2w) or a past date (2026-11-01)']);
    await page.selectOption('#since', '24h');
    await page.getByText(/^0 conversations started between/).waitFor();
    // Only the 400 asked for above.
    expect(problems).toEqual([expect.stringMatching(/status of 400 .*since=yesterday/)]);
    await context.close();
  }, 60_000);
});
