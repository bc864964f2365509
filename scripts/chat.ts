// `npm run chat`: talk to the same bot in the terminal. Suggested actions are shown as numbered choices;
// type the number or the words. Tickets go to the same store as the server's (DATA_DIR).
import crypto from 'node:crypto';
import readline from 'node:readline';
import {
  ActivityTypes, BotAdapter, TurnContext, type Activity, type ConversationReference, type ResourceResponse,
} from 'botbuilder';
import { createApp, turnErrorHandler } from '../bot/app';
import { ConfigError, loadConfig } from '../bot/config';
import { createLogger } from '../bot/logger';
import { RulesError } from '../rules/loader';

const unescape = (s: string) => s.replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, '$1').replace(/\*\*(.+?)\*\*/g, '$1');

/** A minimal adapter that prints what the bot sends; the same middleware and bot as the server. */
class ConsoleAdapter extends BotAdapter {
  choices: string[] = [];

  async sendActivities(_context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    for (const a of activities) {
      if (a.type !== ActivityTypes.Message) continue;
      if (a.text) console.log(`\nbot> ${unescape(a.text).replace(/\n/g, '\n     ')}`);
      for (const att of a.attachments ?? []) console.log(`bot> [${att.contentType}]`);
      const actions = a.suggestedActions?.actions ?? [];
      if (actions.length) {
        this.choices = actions.map((x) => String(x.value ?? x.title));
        actions.forEach((x, i) => console.log(`     ${i + 1}. ${x.title}`));
      }
    }
    return activities.map(() => ({ id: crypto.randomUUID() }));
  }
  async updateActivity(): Promise<void> { /* the terminal cannot edit what it printed */ }
  async deleteActivity(): Promise<void> { /* nor delete it */ }
  async continueConversation(reference: Partial<ConversationReference>, logic: (c: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'continueConversation' }, reference, true);
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }
  async process(activity: Partial<Activity>, logic: (c: TurnContext) => Promise<void>): Promise<void> {
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const app = await createApp(config, log);
  const adapter = new ConsoleAdapter();
  adapter.use(...app.middleware);
  adapter.onTurnError = turnErrorHandler(log);
  const conversationId = `console-${crypto.randomUUID()}`;
  const base = {
    channelId: 'console', serviceUrl: 'console://', conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: 'console' },
    from: { id: 'console-user', name: 'You', role: 'user' }, recipient: { id: 'bot', name: 'Kartra support', role: 'bot' },
  } as const;
  const send = (a: Partial<Activity>) => adapter.process({ ...base, id: crypto.randomUUID(), timestamp: new Date(), ...a }, (c) => app.bot.run(c));

  console.log(`Kartra support bot, terminal chat. Tickets are stored in ${config.dataDir}. Ctrl+D or "/quit" to leave.`);
  await send({ type: ActivityTypes.ConversationUpdate, membersAdded: [base.recipient, base.from] });

  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  rl.setPrompt('\nyou> ');
  rl.prompt();
  for await (const line of rl) {
    const input = line.trim();
    if (input === '/quit') break;
    const n = Number.parseInt(input, 10);
    const text = String(n) === input && n >= 1 && n <= adapter.choices.length ? adapter.choices[n - 1] ?? input : input;
    adapter.choices = [];
    await send({ type: ActivityTypes.Message, text });
    rl.prompt();
  }
  rl.close();
  await app.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof RulesError ? err.message : err);
  process.exit(1);
});
