import type { Activity } from 'botbuilder';
import type restify from 'restify';
import { z } from 'zod';
import type { App } from './app';
import type { Logger } from './logger';
import { runInTurn, TurnUnit } from './store/turnUnit';
import { readBody } from './web/body';
import { isLoopback } from './web/publicAddress';
import { reasons } from './web/reasons';

const account = z.looseObject({ id: z.string().min(1).max(500) });
const entity = z.looseObject({ type: z.string().min(1).max(200) }).refine(
  // botbuilder reads mentioned.id of every mention (removeRecipientMention): a mention without it would fail the turn.
  (e) => e.type !== 'mention' || z.looseObject({ mentioned: account }).safeParse(e).success,
  'a mention entity needs mentioned.id',
);

/**
 * What an activity must be before a turn runs on it: the shapes the SDK and this bot read without
 * checking (lists of objects, ids), so that a malformed activity is a 400 with the reason rather than a
 * failed turn. Other fields pass through; the SDK checks the JWT.
 */
export const InboundActivitySchema = z.looseObject({
  type: z.string().min(1).max(100),
  id: z.string().max(500).optional(),
  channelId: z.string().min(1).max(100),
  serviceUrl: z.string().max(2000).optional(),
  text: z.string().max(100_000, 'text is longer than 100,000 characters').optional(),
  conversation: account,
  from: account.optional(),
  recipient: account.optional(),
  membersAdded: z.array(account).max(1000).optional(),
  membersRemoved: z.array(account).max(1000).optional(),
  attachments: z.array(z.looseObject({ contentType: z.string().min(1).max(200) })).max(50).optional(),
  entities: z.array(entity).max(100).optional(),
  name: z.string().max(200).optional(),
  value: z.unknown().optional(),
}).refine(
  (a) => !(a.type === 'invoke' && a.name === 'adaptiveCard/action') || z.looseObject({ action: z.looseObject({}) }).safeParse(a.value).success,
  { message: 'an adaptiveCard/action invoke needs value.action', path: ['value'] },
);

/** As the SDK's own request handling does: the wire's timestamp strings become Dates, the raw ones are kept. */
function withDates(body: z.infer<typeof InboundActivitySchema>): Activity {
  const a = { ...body } as Record<string, unknown>;
  for (const [key, raw] of [['timestamp', 'rawTimestamp'], ['localTimestamp', 'rawLocalTimestamp'], ['expiration', 'rawExpiration']] as const) {
    if (typeof a[key] === 'string') { a[raw] = a[key]; a[key] = new Date(a[key]); }
  }
  return a as unknown as Activity;
}

/** Without app credentials nobody is authenticated: replies may go back only to this machine (the Emulator). */
function loopbackUrl(url: string | undefined): boolean {
  if (url === undefined) return true;
  try {
    return isLoopback(new URL(url).hostname.replace(/^\[|\]$/g, ''));
  } catch {
    return false;
  }
}

const MAX_BODY_BYTES = 512 * 1024;
const ACK_AFTER_MS = 3000;

/** POST /api/messages: Bot Framework activities from Azure Bot Service channels, the Emulator, the Playground. */
export function mountMessages(server: restify.Server, app: App, log: Logger): void {
  server.post('/api/messages', readBody({ maxBytes: MAX_BODY_BYTES }), async (req, res) => {
    const body = InboundActivitySchema.safeParse(req.body);
    if (!body.success) {
      res.send(400, { error: 'invalid activity', details: reasons(body.error) });
      return;
    }
    if (app.config.localMode && !loopbackUrl(body.data.serviceUrl)) {
      res.send(400, { error: 'invalid activity', details: ['serviceUrl: without app credentials (local mode) it must be a loopback address, or use deliveryMode "expectReplies"'] });
      return;
    }
    const activity = withDates(body.data);
    const auth = await app.adapter.authenticate(activity, String(req.headers.authorization ?? ''));
    if (!auth.ok) {
      log.warn({ reason: auth.reason, channel: activity.channelId }, 'unauthenticated request refused');
      res.send(401, { error: 'Unauthorized: a valid Bot Framework token is required.' });
      return;
    }
    // One turn at a time per conversation (two answers sent at once would otherwise overwrite each other's
    // state), and one unit: its state, transcript lines and done mark are committed together at its end.
    const conversationId = activity.conversation.id;
    const turn = app.store.turns.run(conversationId, async () => {
      // A channel that redelivers an activity it already sent (a retry after a timeout) gets no second turn.
      const redeliverable = activity.id !== undefined && activity.type !== 'invoke';
      if (redeliverable && await app.store.turnDone(conversationId, activity.id as string)) return undefined;
      const unit = new TurnUnit(conversationId, redeliverable ? { kind: 'http', activityId: activity.id as string } : undefined);
      const result = await runInTurn(unit, () => app.adapter.run(auth.result, activity, (context) => app.bot.run(context)));
      await app.store.commitTurn(unit);
      // Committed: what the turn sends now goes out. A reply the channel refuses for good is lost to the
      // customer but not to the record (the transcript has it); the rest still go.
      for (const after of unit.after) {
        try {
          await after();
        } catch (err) {
          log.warn({ err, channel: activity.channelId }, 'a reply was not delivered after its turn was saved');
        }
      }
      return result;
    });
    app.running.add(turn);
    void turn.finally(() => app.running.delete(turn)).catch(() => undefined);
    // Replies sent back through the connector can be slow (a channel that retries, an Emulator that is gone):
    // the channel is not kept waiting past ACK_AFTER_MS for them. What goes in the response body is awaited.
    const inBody = activity.deliveryMode === 'expectReplies' || activity.type === 'invoke';
    const answer = inBody ? await turn : await Promise.race([turn, new Promise<'slow'>((resolve) => setTimeout(() => resolve('slow'), ACK_AFTER_MS).unref())]);
    if (answer === 'slow') {
      res.send(202);
      turn.catch((err: unknown) => log.error({ err, channel: activity.channelId }, 'turn failed after it was acknowledged'));
      return;
    }
    res.send(answer?.status ?? 200, answer?.body);
  });
}
