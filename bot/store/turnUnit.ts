import { AsyncLocalStorage } from 'node:async_hooks';
import type { Activity, StoreItems } from 'botbuilder';
import type { TranscriptEntry } from '../tickets/ticket';
import type { NewEvent } from './analytics';

/** What marks a turn done, committed with it so a replay after a crash knows whether it ran. */
export type TurnDone =
  | { kind: 'directline'; seq: number }
  | { kind: 'http'; activityId: string };

/**
 * Everything one bot turn writes, held back and committed together at the end of the turn: the bot
 * state, the transcript lines, the replies and the "turn done" mark, in one transaction (Store.commitTurn).
 * A process killed mid-turn has then written nothing of it, and the turn is replayed from the same state;
 * one killed after the commit has written all of it. (botbuilder saves state with eTag "*" after the
 * replies went out, which is neither.) Replies to other channels are sent, and live events published, only
 * after the commit.
 *
 * Stores find the unit of the turn they are called from through AsyncLocalStorage, so the SDK's Storage
 * and middleware interfaces need not change. Writes for other conversations (an agent's proactive message
 * elsewhere) are not held back.
 */
export class TurnUnit {
  readonly state: StoreItems[] = [];
  readonly transcript: TranscriptEntry[] = [];
  /** Replies stored in the local Direct Line history with the commit. */
  readonly activities: Partial<Activity>[] = [];
  /** What happened in the turn, for the lead's analytics. */
  readonly events: NewEvent[] = [];
  /** Replies to connector channels (Teams, the Emulator) and live notifications, in order, after the commit. */
  readonly after: Array<() => Promise<void> | void> = [];
  /** Values read once per turn (the conversation's open hand-off, asked by several steps of one turn). */
  readonly memo = new Map<string, unknown>();

  constructor(readonly conversationId: string, readonly done?: TurnDone) {}

  isEmpty(): boolean {
    return !this.state.length && !this.transcript.length && !this.activities.length && !this.events.length && !this.done;
  }
}

const scope = new AsyncLocalStorage<TurnUnit>();

/** Runs a turn with its unit of work. */
export function runInTurn<T>(unit: TurnUnit, fn: () => Promise<T>): Promise<T> {
  return scope.run(unit, fn);
}

/** The unit of the turn this code runs in, if it is for this conversation. */
export function currentTurn(conversationId?: string): TurnUnit | undefined {
  const unit = scope.getStore();
  return unit && (conversationId === undefined || unit.conversationId === conversationId) ? unit : undefined;
}

/** Runs fn after the current turn's commit, or now when not in a turn. */
export async function afterCommit(fn: () => Promise<void> | void): Promise<void> {
  const unit = scope.getStore();
  if (unit) unit.after.push(fn); else await fn();
}
