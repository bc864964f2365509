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
