import net from 'node:net';
import { z } from 'zod';

/** Values a user volunteered in passing ("my IP 1.2.3.4 is blocked"), kept so the bot never asks for them again. */
export const EntitiesSchema = z.object({
  email: z.string().optional(),
  ip: z.string().optional(),
  domain: z.string().optional(),
  /** From the channel's user profile (Teams): only ever used after the user confirms it. */
  profileEmail: z.string().optional(),
});
export type Entities = z.infer<typeof EntitiesSchema>;

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;
const HOST = /\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|io|co|uk|de|fr|es|it|nl|au|ca|us|info|biz|shop|store|online|site|app|dev|me|tv|academy|coach|club|eu|ch|at|be|se|no|dk|fi|pl|br|mx|in|nz|ie|za|sg|hk|my|ph|il|ru)\b/gi;
// Hosts people mention that are never their own custom domain.
const NOT_CUSTOM = /(^|\.)(kartra\.com|speedtest\.net|loom\.com|techsmith\.com|facebook\.com|gmail\.com|outlook\.com|yahoo\.com|hotmail\.com)$/i;

export function extractEntities(text: string): Entities {
  const t = text.slice(0, 5000);
  const emails = t.match(EMAIL) ?? [];
  const email = emails.find((e) => z.email().safeParse(e).success);
  const ip = (t.match(IPV4) ?? []).find((c) => net.isIPv4(c));
  const withoutEmailsAndUrls = emails.reduce((acc, e) => acc.replace(e, ' '), t).replace(/https?:\/\/\S+/gi, ' ');
  const domain = (withoutEmailsAndUrls.match(HOST) ?? []).map((h) => h.toLowerCase()).find((h) => !NOT_CUSTOM.test(h));
  return { ...(email ? { email: email.toLowerCase() } : {}), ...(ip ? { ip } : {}), ...(domain ? { domain } : {}) };
}
