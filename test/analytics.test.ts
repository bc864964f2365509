// Outcomes as the README defines them, from recorded events; and `npm run report`, which prints them.
import { report, summarize } from '../bot/analytics/outcomes';
import { periodStart } from '../bot/analytics/period';
import { openStore } from '../bot/store';
import { eventRow, type ConversationEvent } from '../bot/store/analytics';
import { npmRun } from './npmRun';
import { tempDir } from './tmp';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const ev = (minutes: number, e: Omit<ConversationEvent, 'conversationId' | 'channel' | 'at'>): ConversationEvent => ({ conversationId: 'c', channel: 'directline', at: at(minutes), ...e });
const LATER = T0 + 5 * 3600_000;

describe('outcomes', () => {
  it.each([
    ['an answer, then thanks: resolved', [ev(0, { kind: 'message' }), ev(0, { kind: 'answered', intent: 'faq.webinar_limits' }), ev(2, { kind: 'message', detail: 'thanks' })], 'resolved'],
    ['an answer, then back within the hour with something the bot could not place: out of scope', [ev(0, { kind: 'message' }), ev(0, { kind: 'answered', intent: 'faq.webinar_limits' }), ev(30, { kind: 'message' }), ev(30, { kind: 'out_of_scope' })], 'out_of_scope'],
    ['a question of a form left unanswered: abandoned, at that question', [ev(0, { kind: 'message' }), ev(0, { kind: 'question', intent: 'ip_block', detail: 'ip_block.username' }), ev(1, { kind: 'message' }), ev(1, { kind: 'question', intent: 'ip_block', detail: 'ip_block.ip_address' })], 'abandoned'],
    ['a digression answered in a form, then left: abandoned', [ev(0, { kind: 'question', intent: 'ip_block', detail: 'ip_block.username' }), ev(1, { kind: 'answered', intent: 'faq.webinar_limits' }), ev(1, { kind: 'question', intent: 'ip_block', detail: 'ip_block.username' })], 'abandoned'],
    ['a ticket: ticket, by department', [ev(0, { kind: 'question', intent: 'login.account_inactive', detail: 'login.support_code' }), ev(1, { kind: 'ticket', intent: 'login.account_inactive', detail: 'Billing' })], 'ticket'],
    ['a ticket and a hand-off: handed off', [ev(0, { kind: 'ticket', intent: 'handoff.human', detail: 'Support' }), ev(0, { kind: 'handoff', intent: 'handoff.human', detail: 'user_request' })], 'handed_off'],
    ['an answer, then a rating and a comment: resolved', [ev(0, { kind: 'answered', intent: 'faq.webinar_limits' }), ev(1, { kind: 'message', detail: 'thanks' }), ev(1, { kind: 'message', detail: 'csat' }), ev(1, { kind: 'csat', rating: 4 }), ev(2, { kind: 'message', detail: 'csat' })], 'resolved'],
    ['tips, then "yes it worked" at the end of the tree: resolved', [ev(0, { kind: 'answered', intent: 'login.cant_login' }), ev(0, { kind: 'question', intent: 'login.cant_login', detail: 'login.worked' }), ev(1, { kind: 'message' }), ev(1, { kind: 'ended', intent: 'login.cant_login' })], 'resolved'],
    ['tips that did not work, a person offered and declined ("leave it here"): abandoned at that question', [ev(0, { kind: 'answered', intent: 'login.cant_login' }), ev(0, { kind: 'question', intent: 'login.cant_login', detail: 'login.profile_worked' }), ev(1, { kind: 'message', detail: 'done' }), ev(1, { kind: 'question', intent: 'login.cant_login', detail: 'login.profile_worked' }), ev(2, { kind: 'message' })], 'abandoned'],
    ['only hello: no request', [ev(0, { kind: 'message', detail: 'greeting' })], 'no_request'],
  ])('%s', (_name, events, outcome) => {
    expect(summarize(events, LATER)?.outcome).toBe(outcome);
  });

  it('is in progress for an hour after the customer last wrote, unless a ticket or a person ended it', () => {
    const events = [ev(0, { kind: 'message' }), ev(0, { kind: 'question', intent: 'ip_block', detail: 'ip_block.username' })];
    expect(summarize(events, T0 + 59 * 60_000)?.outcome).toBe('in_progress');
    expect(summarize(events, T0 + 61 * 60_000)).toMatchObject({ outcome: 'abandoned', abandonedAt: 'ip_block.username', intent: 'ip_block' });
    expect(summarize([ev(0, { kind: 'ticket', intent: 'billing.subscription', detail: 'Billing' })], T0)).toMatchObject({ outcome: 'ticket', department: 'Billing' });
  });
});

describe('figures that stay honest', () => {
  it('counts every ticket by department, a hand-off\'s too; refuses dates that do not exist; keeps unknown channels as "other"', () => {
    const handedOff = summarize([ev(0, { kind: 'ticket', intent: 'handoff.human', detail: 'Support' }), ev(0, { kind: 'handoff', intent: 'handoff.human', detail: 'user_request' })], LATER);
    expect(handedOff).toMatchObject({ outcome: 'handed_off', ticketDepartments: ['Support'] });
    expect(report(handedOff ? [handedOff] : [], at(0), at(60)).ticketsByDepartment).toEqual({ Support: 1 });
    expect(periodStart('2026-02-31', T0)).toBeUndefined();
    expect(periodStart('2026-02-28', T0)).toBe(Date.parse('2026-02-28'));
    expect(eventRow({ conversationId: 'c', channel: '<img src=x onerror=alert(2)>', kind: 'message' }, at(0)).channel).toBe('other');
    expect(eventRow({ conversationId: 'c', channel: 'msteams', kind: 'message' }, at(0)).channel).toBe('msteams');
  });
});

describe('npm run report', () => {
  it('prints the outcomes of the conversations that started in the period, as a table, CSV or JSON', async () => {
    const dataDir = tempDir();
    const store = await openStore({ dataDir }, { instanceId: 'seed', now: () => Date.now() - 2 * 86_400_000 });
    for (let i = 0; i < 3; i++) {
      await store.analytics.record({ conversationId: `r${i}`, channel: 'directline', kind: 'answered', intent: 'faq.webinar_limits' });
      await store.analytics.record({ conversationId: `r${i}`, channel: 'directline', kind: 'csat', rating: 5 });
    }
    await store.analytics.record({ conversationId: 't1', channel: 'msteams', kind: 'ticket', intent: 'billing.subscription', detail: 'Billing' });
    await store.close();

    const table = await npmRun(['report', '--', '--since', '7d'], '', { DATA_DIR: dataDir });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Conversations that started .* UTC: 4\n/);
    expect(table.stdout).toMatch(/\nresolved\s+3\s+75\.0%\n/);
    expect(table.stdout).toMatch(/\nticket\s+1\s+25\.0%\n/);
    expect(table.stdout).toContain('CSAT: 5 average from 3 rating(s)');
    expect(table.stdout).toContain('tickets by department: Billing 1');
    expect(table.stdout).toContain('Resolved by the bot: the bot answered from the help text');
    const csv = await npmRun(['report', '--', '--since', '7d', '--csv'], '', { DATA_DIR: dataDir });
    expect(csv.stdout.split('\n')).toEqual(expect.arrayContaining(['section,key,value', 'all,conversations,4', 'outcome,resolved,3', 'channel msteams,ticket,1']));
    expect(JSON.parse((await npmRun(['report', '--', '--since', '24h', '--json'], '', { DATA_DIR: dataDir })).stdout)).toMatchObject({ conversations: 0 });
    const wrong = await npmRun(['report', '--', '--since', 'last week'], '', { DATA_DIR: dataDir });
    expect(wrong).toMatchObject({ code: 2, stderr: '--since: "last week" is not a period (24h, 7d, 2w) or a past date (2026-11-01)\n' });
  }, 60_000);
});
