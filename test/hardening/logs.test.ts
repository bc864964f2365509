// Nothing a customer typed reaches the log at info, warn or error: not through a failed turn (botbuilder
// attaches the dialog state, answers and all, to errors thrown in a dialog), not through error messages.
import { startApp, capturingLogger, tempDir } from '../helpers';

describe('logs', () => {
  it('a turn that fails logs the kind of error and where, not the customer text or fields', async () => {
    const { log, lines } = capturingLogger('info');
    const app = await startApp(tempDir(), {}, {}, log);
    const channel = app.directLine!;
    // A store failure whose message quotes what it was given, as database drivers' messages do.
    app.services.tickets.create = async (t) => { throw new Error(`constraint failed for ${JSON.stringify(t.fields)}`); };
    const s = channel.newSession();
    const conversation = await channel.start(s.conversationId, s.userId);
    for (const text of ['I need to contact support', 'Open a ticket', 'my detail is xyzzy-plugh', 'secret.person@example.com', 'SC-SECRET-77', 'Open the ticket']) {
      await channel.post(conversation, { type: 'message', text });
      await channel.idle();
    }
    const history = (await channel.store.since(conversation.id, 0)).activities.map((a) => a.text ?? '');
    expect(history.at(-1)).toMatch(/something went wrong on my side/);

    const out = lines();
    const failed = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; err?: { type: string; stack: string[] } }).find((l) => l.msg === 'turn failed');
    expect(failed?.err?.type).toBeDefined();
    expect(failed?.err?.stack.length).toBeGreaterThan(0);
    for (const typed of ['xyzzy-plugh', 'secret.person', 'SC-SECRET-77', 'constraint failed', 'contact support']) expect(out).not.toContain(typed);
    await app.close();
  });
});
