import type { Db } from './schema';

/** How long an open console counts as online after its instance last vouched for it. */
export const PRESENCE_TTL_MS = 60_000;

/**
 * Which agents have the console open, across instances: each instance keeps a row per open stream and
 * refreshes it on a heartbeat; a row whose instance stopped refreshing (it crashed) stops counting.
 */
export class AgentPresence {
  constructor(private readonly db: Db, readonly instanceId: string, private readonly now: () => number = Date.now) {}

  async here(streamId: string, agent: string): Promise<void> {
    await this.db.insertInto('agent_presence').values({ stream_id: streamId, agent, instance_id: this.instanceId, seen_at: this.now() })
      .onConflict((oc) => oc.column('stream_id').doUpdateSet({ seen_at: this.now() })).execute();
  }

  async gone(streamId: string): Promise<void> {
    await this.db.deleteFrom('agent_presence').where('stream_id', '=', streamId).execute();
  }

  /** Refreshes every stream this instance holds; forgets rows nobody refreshed. */
  async heartbeat(streamIds: string[]): Promise<void> {
    if (streamIds.length) await this.db.updateTable('agent_presence').set({ seen_at: this.now() }).where('stream_id', 'in', streamIds).execute();
    await this.db.deleteFrom('agent_presence').where('seen_at', '<', this.now() - PRESENCE_TTL_MS * 4).execute();
  }

  /** Agents with a console open anywhere. */
  async online(): Promise<number> {
    const r = await this.db.selectFrom('agent_presence').select((eb) => eb.fn.count<number>('agent').distinct().as('n'))
      .where('seen_at', '>', this.now() - PRESENCE_TTL_MS).executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
