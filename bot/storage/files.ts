import crypto from 'node:crypto';
import type { Db } from './database';

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

  save(file: Omit<StoredFile, 'id' | 'size' | 'createdAt'>): StoredFile {
    const stored: StoredFile = { ...file, id: crypto.randomBytes(18).toString('base64url'), size: file.data.length, createdAt: new Date().toISOString() };
    this.db.prepare(`INSERT INTO files (id, conversation_id, name, content_type, size, data, created_at)
      VALUES (@id, @conversationId, @name, @contentType, @size, @data, @createdAt)`).run(stored);
    return stored;
  }

  get(id: string): StoredFile | undefined {
    const r = this.db.prepare<[string], { id: string; conversation_id: string; name: string; content_type: string; size: number; data: Buffer; created_at: string }>(
      'SELECT * FROM files WHERE id = ?').get(id);
    return r && { id: r.id, conversationId: r.conversation_id, name: r.name, contentType: r.content_type, size: r.size, data: r.data, createdAt: r.created_at };
  }

  /** How many files, and how many bytes, one conversation (or, without an id, everyone) has stored. */
  usage(conversationId?: string): FileUsage {
    const r = conversationId === undefined
      ? this.db.prepare<[], { n: number; bytes: number | null }>('SELECT COUNT(*) AS n, SUM(size) AS bytes FROM files').get()
      : this.db.prepare<[string], { n: number; bytes: number | null }>('SELECT COUNT(*) AS n, SUM(size) AS bytes FROM files WHERE conversation_id = ?').get(conversationId);
    return { files: r?.n ?? 0, bytes: r?.bytes ?? 0 };
  }

  /** The id of one of our own files from its URL (whatever host the browser used), if it is one. */
  idFromUrl(url: string): string | undefined {
    let path: string;
    try { path = new URL(url, 'http://local').pathname; } catch { return undefined; }
    if (!path.startsWith(FILE_PATH_PREFIX)) return undefined;
    const id = path.slice(FILE_PATH_PREFIX.length);
    return this.db.prepare<[string], { id: string }>('SELECT id FROM files WHERE id = ?').get(id)?.id;
  }
}
