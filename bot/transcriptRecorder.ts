import { ActivityTypes, type Activity, type Middleware, type TurnContext } from 'botbuilder';
import { AGENT_TURN_KEY } from './handoff/agentTurn';
import type { TranscriptEntry } from './tickets/ticket';
import type { TranscriptStore } from './store/transcripts';

function entryOf(a: Partial<Activity>, role: TranscriptEntry['role']): TranscriptEntry {
  const cards = (a.attachments ?? []).map((x) => ({
    name: x.name ?? x.contentType, contentType: x.contentType, ...(x.contentUrl && !x.contentUrl.startsWith('data:') ? { url: x.contentUrl } : {}),
  }));
  // A card submit has no text; keep what was chosen so the transcript still reads as a conversation.
  const text = a.text ?? (a.value !== undefined ? `[submitted ${JSON.stringify(a.value).slice(0, 500)}]` : '');
  return { role, text, attachments: cards, at: new Date().toISOString() };
}

/**
 * Writes every message, in and out, to the transcript as it happens (not at the end of the turn, as the
 * SDK's TranscriptLoggerMiddleware does), so a ticket opened mid-turn already holds the user's last words.
 */
export class TranscriptRecorder implements Middleware {
  constructor(private readonly store: TranscriptStore) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const conversationId = context.activity.conversation?.id;
    if (conversationId && context.activity.type === ActivityTypes.Message) {
      await this.store.append(conversationId, entryOf(context.activity, 'user'));
    }
    context.onSendActivities(async (_ctx, activities, send) => {
      const responses = await send();
      for (const a of activities) {
        if (a.type === ActivityTypes.Message && a.conversation?.id) {
          await this.store.append(a.conversation.id, entryOf(a, context.turnState.get(AGENT_TURN_KEY) ? 'agent' : 'bot'));
        }
      }
      return responses;
    });
    await next();
  }
}
