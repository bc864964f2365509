import crypto from 'node:crypto';
import type { Db } from './schema';

export interface StoredFile {
  id: string;
  conversationId: string;
  name: string;
  contentType: string;
  size: number;
  data: Buffer;
  createdAt: string;
}

export interface FileUsage { files: number; bytes: number }

/** Where uploaded files are served from; the id in the path is the only key (unguessable, like the real service). */
export const FILE_PATH_PREFIX = '/v3/directline/attachments/';

/** Uploaded files, kept in the database next to the tickets that point at them. */
export class FileStore {
  constructor(private readonly db: Db) {}

  async save(file: Omit<StoredFile, 'id' | 'size' | 'createdAt'>): Promise<StoredFile> {
    const stored: StoredFile = { ...file, id: crypto.randomBytes(18).toString('base64url'), size: file.data.length, createdAt: new Date().toISOString() };
    await this.db.insertInto('files').values({
      id: stored.id, conversation_id: stored.conversationId, name: stored.name, content_type: stored.contentType,
      size: stored.size, data: stored.data, created_at: stored.createdAt,
    }).execute();
    return stored;
  }

  async get(id: string): Promise<StoredFile | undefined> {
    const r = await this.db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, conversationId: r.conversation_id, name: r.name, contentType: r.content_type, size: Number(r.size), data: Buffer.from(r.data), createdAt: r.created_at };
  }

  /** How many files, and how many bytes, one conversation (or, without an id, everyone) has stored. */
  async usage(conversationId?: string): Promise<FileUsage> {
    let q = this.db.selectFrom('files').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number | null>('size').as('bytes')]);
    if (conversationId !== undefined) q = q.where('conversation_id', '=', conversationId);
    const r = await q.executeTakeFirst();
    return { files: Number(r?.n ?? 0), bytes: Number(r?.bytes ?? 0) };
  }

  /** The id of one of our own files from its URL (whatever host the browser used), if it is one. */
  async idFromUrl(url: string): Promise<string | undefined> {
    let path: string;
    try { path = new URL(url, 'http://local').pathname; } catch { return undefined; }
    if (!path.startsWith(FILE_PATH_PREFIX)) return undefined;
    const id = path.slice(FILE_PATH_PREFIX.length);
    return (await this.db.selectFrom('files').select('id').where('id', '=', id).executeTakeFirst())?.id;
  }
}
