import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../rules/projectRoot';

export interface ListedTicket { reference: string; subject: string; conversationId: string; fields: Record<string, string> }

/** The store's tickets through `npm run tickets -- --json`, as a support lead (or the project's measurements) reads them. */
export async function listTickets(dataDir: string, databaseUrl?: string): Promise<ListedTicket[]> {
  const script = path.join(projectRoot(), 'dist', 'scripts', 'tickets.js');
  const env = { ...process.env, DATA_DIR: dataDir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
  const { stdout } = await promisify(execFile)(process.execPath, [script, '--json'], { env, maxBuffer: 512 * 1024 * 1024 });
  return JSON.parse(stdout) as ListedTicket[];
}

/** Tickets per conversation: how many conversations got none, exactly one, or more (a doubled ticket). */
export function ticketsPerConversation(tickets: ListedTicket[], conversations: string[]): { none: number; one: number; more: number } {
  const count = new Map<string, number>();
  for (const t of tickets) count.set(t.conversationId, (count.get(t.conversationId) ?? 0) + 1);
  const n = conversations.map((c) => count.get(c) ?? 0);
  return { none: n.filter((x) => x === 0).length, one: n.filter((x) => x === 1).length, more: n.filter((x) => x > 1).length };
}
