// The fast subset of `npm run soak`, in every test run: a few hundred seeded fuzz cases over every route
// family against the real server process, and conversations killed with SIGKILL mid-turn that must resume.
import { hashSecret } from '../../bot/agent/secrets';
import { DirectLineSession } from '../../scripts/soak/directLineClient';
import { fuzzCases } from '../../scripts/soak/fuzzCases';
import { runFuzz } from '../../scripts/soak/fuzzRunner';
import { runResume } from '../../scripts/soak/resume';
import { tempDir } from '../helpers';
import { startServer } from '../serverProcess';

describe('reliability (the fast subset of npm run soak)', () => {
  it('400 fuzzed requests over every route: no crash, no 5xx, no hang', async () => {
    const server = await startServer({ DATA_DIR: tempDir(), LOG_LEVEL: 'warn', AGENTS: `Soak=${hashSecret('soak-secret-1')}`, UPLOAD_MAX_BYTES: String(64 * 1024) });
    try {
      const s = await DirectLineSession.start(server.url);
      const login = await fetch(`${server.url}/agent/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Soak&secret=soak-secret-1' });
      const agentCookie = /kt_agent=[\w-]+/.exec(login.headers.getSetCookie().join('; '))?.[0];
      const cases = fuzzCases(7, 400, { token: s.token, conversationId: s.conversationId, userId: s.userId, uploadMaxBytes: 64 * 1024, ...(agentCookie ? { agentCookie } : {}) });
      const report = await runFuzz(server.url, cases, { alive: server.alive });
      const families = Object.values(report.families);
      const failures = families.flatMap((f) => f.examples.filter((e) => e.kind !== 'body-stall'));
      expect(report.crashes).toEqual([]);
      expect(failures).toEqual([]);
      expect(families.reduce((n, f) => n + f.sent, 0)).toBe(400);
      expect(families.filter((f) => f.sent > 0).length).toBe(families.length);
    } finally {
      expect(await server.stop()).toBe(0);
      expect(server.errors()).toBe('');
    }
  }, 120_000);

  it('5 conversations killed with SIGKILL mid-conversation resume at the same question, every answer kept, nothing shown twice', async () => {
    const report = await runResume({ conversations: 5, seed: 11 });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ conversations: 5, resumed: 5, repeatedReplies: 0 });
  }, 120_000);
});
