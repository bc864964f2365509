import { z } from 'zod';
import type { Db } from './schema';

const ReloadSchema = z.object({ at: z.string(), by: z.string(), instanceId: z.string(), files: z.array(z.string()), error: z.string().optional() });
export type RuleReload = z.infer<typeof ReloadSchema>;

/** The audit of rule reloads: who or what asked, when, which files changed, and why one was refused. */
export class RuleReloadLog {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  async record(r: Omit<RuleReload, 'at'>): Promise<void> {
    await this.db.insertInto('rule_reloads').values({
      at: new Date(this.now()).toISOString(), by: r.by, instance_id: r.instanceId, files: JSON.stringify(r.files), error: r.error ?? null,
    }).execute();
  }

  async recent(limit = 20): Promise<RuleReload[]> {
    const rows = await this.db.selectFrom('rule_reloads').selectAll().orderBy('seq', 'desc').limit(limit).execute();
    return rows.flatMap((r) => {
      const parsed = ReloadSchema.safeParse({ at: r.at, by: r.by, instanceId: r.instance_id, files: JSON.parse(r.files) as unknown, ...(r.error ? { error: r.error } : {}) });
      return parsed.success ? [parsed.data] : [];
    });
  }
}
