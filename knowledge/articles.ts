import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { IntentIdSchema } from '../rules/schema';

export const ArticleMetaSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/),
  title: z.string().min(1),
  intents: z.array(IntentIdSchema).default([]),
}).strict();
export interface Article extends z.infer<typeof ArticleMetaSchema> { body: string }

/** Reads knowledge/articles/*.md (YAML front matter + Markdown body) and fills in {{fact}} placeholders. */
export function loadArticles(dir: string, placeholders: Record<string, string>): Map<string, Article> {
  const articles = new Map<string, Article>();
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
    const file = path.join(dir, name);
    const where = `knowledge/articles/${name}`;
    const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n'));
    if (!m) throw new Error(`${where}: missing the front matter block (--- id/title/intents ---)`);
    const meta = ArticleMetaSchema.safeParse(YAML.parse(m[1] ?? ''));
    if (!meta.success) throw new Error(`${where}: ${z.prettifyError(meta.error)}`);
    const body = (m[2] ?? '').trim().replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const value = placeholders[key];
      if (value === undefined) throw new Error(`${where}: unknown placeholder {{${key}}}`);
      return value;
    });
    if (articles.has(meta.data.id)) throw new Error(`${where}: duplicate article id "${meta.data.id}"`);
    articles.set(meta.data.id, { ...meta.data, body });
  }
  return articles;
}
