import { z } from 'zod';
import { IntentIdSchema, type IntentId } from '../../rules/schema';
import type { Db } from './schema';

const ExampleSchema = z.object({ text: z.string().min(1), intent: IntentIdSchema, addedBy: z.string(), addedAt: z.string() });
export type TrainingExample = z.infer<typeof ExampleSchema>;

/** The review inbox's decisions and the training sentences they added (used by every instance's classifier). */
export class TrainingStore {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  /**
   * Decides a group's messages (by their keys): they become training sentences for `intent`, or are ignored
   * (null). A message is decided once: when every key was already decided (the same group assigned twice at
   * once, here or on another instance), nothing is added and this returns false.
   */
  async decide(keys: string[], intent: IntentId | null, texts: string[], by: string): Promise<boolean> {
    const at = new Date(this.now()).toISOString();
    return this.db.transaction().execute(async (tx) => {
      let fresh = 0;
      for (const key of keys) {
        const inserted = await tx.insertInto('review_decisions').values({ key, intent, decided_by: by, decided_at: at })
          .onConflict((oc) => oc.column('key').doNothing()).returning('key').execute();
        fresh += inserted.length;
      }
      if (fresh === 0) return false;
      if (intent && texts.length) await tx.insertInto('training_examples').values(texts.map((text) => ({ text, intent, added_by: by, added_at: at }))).execute();
      return true;
    });
  }

  /** The latest decisions, one row each (an assignment or an ignore): who, when, what, and the sentences it taught. */
  async recentDecisions(limit = 50): Promise<Array<{ by: string; at: string; intent: IntentId | null; messages: number; texts: string[] }>> {
    const rows = await this.db.selectFrom('review_decisions').select(['decided_by', 'decided_at', 'intent', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['decided_by', 'decided_at', 'intent']).orderBy('decided_at', 'desc').limit(limit).execute();
    const out = [];
    for (const r of rows) {
      const texts = r.intent ? (await this.db.selectFrom('training_examples').select('text').where('added_by', '=', r.decided_by).where('added_at', '=', r.decided_at).orderBy('seq').limit(20).execute()).map((t) => t.text) : [];
      const intent = r.intent === null ? null : IntentIdSchema.safeParse(r.intent).data;
      if (intent === undefined) continue;
      out.push({ by: r.decided_by, at: r.decided_at, intent, messages: Number(r.n), texts });
    }
    return out;
  }

  /** Takes a decision back: its sentences are no longer taught, and its messages are in the inbox again. */
  async undo(by: string, at: string): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('training_examples').where('added_by', '=', by).where('added_at', '=', at).execute();
      return Number((await tx.deleteFrom('review_decisions').where('decided_by', '=', by).where('decided_at', '=', at).executeTakeFirst()).numDeletedRows);
    });
  }

  async decidedKeys(): Promise<Set<string>> {
    return new Set((await this.db.selectFrom('review_decisions').select('key').execute()).map((r) => r.key));
  }

  async examples(): Promise<TrainingExample[]> {
    const rows = await this.db.selectFrom('training_examples').selectAll().orderBy('seq').execute();
    return rows.flatMap((r) => {
      const parsed = ExampleSchema.safeParse({ text: r.text, intent: r.intent, addedBy: r.added_by, addedAt: r.added_at });
      return parsed.success ? [parsed.data] : [];
    });
  }
}
