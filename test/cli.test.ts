import { INTENT_IDS } from '../rules/schema';
import { tempDir } from './helpers';
import { npmRun } from './npmRun';
import { freshLocation } from './store/engines';

describe('command-line contracts', () => {
  it.each(['sqlite', 'postgres'] as const)('migrate: applies the versioned migrations to %s once, then says it is up to date', async (engine) => {
    const location = await freshLocation(engine);
    const env = { DATA_DIR: location.dataDir, ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : {}) };
    const first = await npmRun(['migrate'], '', env);
    expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Applied to .*: 0001_initial, 0002_presence_and_turn_marks, 0003_ticket_deliveries, 0004_conversation_events, 0005_review_and_training, 0006_rule_reloads, 0007_privacy_audit\.\n$/) });
    expect((await npmRun(['migrate'], '', env)).stdout).toMatch(/is up to date\.\n$/);
    const wrong = await npmRun(['migrate'], '', { DATABASE_URL: 'mysql://somewhere/db' });
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringMatching(/DATABASE_URL: must be a postgres:\/\/ URL/) });
  }, 30_000);

  it('classify: one JSON object a line with text, a taxonomy intent, a 0..1 confidence and the tree', async () => {
    const lines = ['my ip address is blocked', 'what currencies can I use', 'what is the capital of France', '', 'I forgot my password'];
    const { code, stdout } = await npmRun(['classify'], `${lines.join('\n')}\n`);
    expect(code).toBe(0);
    const out = stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; intent: string; confidence: number; tree: string | null });
    expect(out.map((o) => o.text)).toEqual(lines);
    for (const o of out) {
      expect(INTENT_IDS).toContain(o.intent);
      expect(o.confidence).toBeGreaterThanOrEqual(0);
      expect(o.confidence).toBeLessThanOrEqual(1);
    }
    expect(out.map((o) => [o.intent, o.tree])).toEqual([
      ['ip_block', 'ip_block'], ['billing.currency', 'billing'], ['none', null], ['none', null], ['login.password_reset', 'login'],
    ]);
  }, 30_000);

  it('chat: a terminal conversation with numbered choices that opens a real ticket', async () => {
    const dataDir = tempDir();
    const input = ['This Kartra account is not active', 'me@example.com', '1', '1', '/quit'].join('\n');
    const { code, stdout } = await npmRun(['chat'], `${input}\n`, { DATA_DIR: dataDir });
    expect(code).toBe(0);
    expect(stdout).toMatch(/1\. I can't log in/);
    expect(stdout).toMatch(/1\. I can't find it/);
    const reference = /KT-[A-Z0-9]{6}/.exec(stdout)?.[0];
    expect(reference).toBeDefined();
    const list = await npmRun(['tickets', '--', '--json'], '', { DATA_DIR: dataDir });
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({
      reference, channel: 'console', department: 'Billing',
      fields: { account_email: 'me@example.com', support_code: 'Not provided (the customer could not find it)' },
    })]);
  }, 30_000);
});
