import { ActivityTypes, type Activity, type Middleware, type TurnContext } from 'botbuilder';
import { AGENT_TURN_KEY } from '../handoff/agentTurn';
import type { TranscriptEntry } from '../tickets/ticket';
import type { Db } from './database';
import { currentTurn } from './turnUnit';

const STAGED = 'transcript';

export class TranscriptStore {
  constructor(private readonly db: Db) {}

  /** Written with the turn's commit when called inside a turn of that conversation, else at once. */
  append(conversationId: string, entry: TranscriptEntry): void {
    const write = () => this.db.prepare('INSERT INTO transcript_entries (conversation_id, role, text, attachments, at) VALUES (?, ?, ?, ?, ?)')
      .run(conversationId, entry.role, entry.text, JSON.stringify(entry.attachments), entry.at);
    const unit = currentTurn(conversationId);
    if (unit) unit.defer(write, STAGED, entry); else write();
  }

  /** The transcript so far, including what the current turn has said (a ticket opened mid-turn holds it). */
  list(conversationId: string): TranscriptEntry[] {
    const stored = this.db.prepare<[string], { role: TranscriptEntry['role']; text: string; attachments: string; at: string }>(
      'SELECT role, text, attachments, at FROM transcript_entries WHERE conversation_id = ? ORDER BY seq')
      .all(conversationId).map((r) => ({ ...r, attachments: JSON.parse(r.attachments) as TranscriptEntry['attachments'] }));
    return [...stored, ...(currentTurn(conversationId)?.staged<TranscriptEntry>(STAGED) ?? [])];
  }
}

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
      this.store.append(conversationId, entryOf(context.activity, 'user'));
    }
    context.onSendActivities(async (_ctx, activities, send) => {
      const responses = await send();
      for (const a of activities) {
        if (a.type === ActivityTypes.Message && a.conversation?.id) {
          this.store.append(a.conversation.id, entryOf(a, context.turnState.get(AGENT_TURN_KEY) ? 'agent' : 'bot'));
        }
      }
      return responses;
    });
    await next();
  }
}
