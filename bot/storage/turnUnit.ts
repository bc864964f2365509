import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Everything one bot turn writes, held back and committed together at the end of the turn: the bot
 * state, the transcript lines, the replies and the "turn done" mark, in one transaction. A process killed
 * mid-turn has then written nothing of it, and the turn is replayed from the same state at the next
 * start; one killed after the commit has written all of it. (botbuilder saves state with eTag "*" after
 * the replies went out, which is neither.)
 *
 * Stores find the unit of the turn they are called from through AsyncLocalStorage, so the SDK's Storage
 * and middleware interfaces need not change. Writes for other conversations (an agent's proactive message
 * elsewhere) are not held back.
 */
export class TurnUnit {
  private readonly writes: Array<() => void> = [];
  private readonly pending = new Map<string, unknown[]>();

  constructor(readonly conversationId: string) {}

  /** Holds a write back until the commit; `kind`/`item` let reads in the same turn see it (transcripts). */
  defer(write: () => void, kind?: string, item?: unknown): void {
    this.writes.push(write);
    if (kind !== undefined) {
      const list = this.pending.get(kind) ?? [];
      list.push(item);
      this.pending.set(kind, list);
    }
  }

  /** Items of one kind written so far in this turn, in order. */
  staged<T>(kind: string): T[] {
    return (this.pending.get(kind) ?? []) as T[];
  }

  /** Runs the held-back writes; call inside the commit's transaction. */
  apply(): void {
    for (const write of this.writes) write();
    this.writes.length = 0;
    this.pending.clear();
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
