import path from 'node:path';
import { z } from 'zod';
import { SECRET_HASH } from './agent/secrets';
import { isLoopback } from './web/publicAddress';
import { EMAIL_ADDRESS, NAMED_EMAIL_ADDRESS } from './emailAddress';

const AGENT_NAME = /^[A-Za-z][A-Za-z0-9 ._-]{0,39}$/;
const optionalString = z.string().trim().transform((s) => s || undefined).optional();
const address = z.string().trim().regex(EMAIL_ADDRESS, 'must be an email address (name@example.com)');

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  /** Interface to bind. Defaults to loopback in local mode (no app credentials), all interfaces otherwise. */
  HOST: optionalString,
  DATA_DIR: z.string().trim().min(1).default('./data'),
  /** postgres://user:password@host:5432/db selects PostgreSQL (several instances); otherwise SQLite under DATA_DIR. */
  DATABASE_URL: z.string().trim().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MicrosoftAppId: optionalString,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  MicrosoftAppTenantId: optionalString,
  /** The address browsers reach the bot at (https://bot.example.com); used for stream and file URLs. Default: the request's Host. */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')).optional(),
  /** Comma-separated origins allowed to embed the widget (https://www.example.com); the bot's own origin always is. `*` allows any. */
  WIDGET_ORIGINS: z.string().default('').transform((s) => s.split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean)),
  /** Azure Bot Service Direct Line secret. Set: the widget talks to Azure's Direct Line. Unset: to this server's own. */
  DIRECT_LINE_SECRET: optionalString,
  DIRECT_LINE_ENDPOINT: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')).default('https://directline.botframework.com/v3/directline'),
  /** Agents who may sign in to /agent: Name=scrypt$…$… pairs, comma-separated (hashes from `npm run agent:hash`). */
  AGENTS: z.string().default('').transform((s, ctx) => s.split(',').map((e) => e.trim()).filter(Boolean).map((entry) => {
    const at = entry.lastIndexOf('=');
    const name = entry.slice(0, at).trim();
    const hash = entry.slice(at + 1).trim();
    if (at < 1 || !AGENT_NAME.test(name) || !SECRET_HASH.test(hash)) {
      ctx.addIssue({ code: 'custom', message: `the entry for "${name.slice(0, 40)}" is not Name=<hash from npm run agent:hash>` });
    }
    return { name, hash };
  })),
  /**
   * Agents who lead (comma-separated names from AGENTS): they teach the bot from the review inbox, reload
   * the rules, and export or erase a customer's data. Unset, every agent may.
   */
  LEADS: z.string().default('').transform((s) => s.split(',').map((e) => e.trim()).filter(Boolean)),
  /** Largest file a user may upload in the widget, in bytes (default 5 MB). */
  UPLOAD_MAX_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Files, and bytes, one widget conversation may store. */
  UPLOAD_CONVERSATION_MAX_FILES: z.coerce.number().int().min(1).max(10_000).default(20),
  UPLOAD_CONVERSATION_MAX_BYTES: z.coerce.number().int().min(1024).default(25 * 1024 * 1024),
  /** Files, and bytes, all conversations together may store (uploads are refused past this). */
  UPLOAD_TOTAL_MAX_FILES: z.coerce.number().int().min(1).default(50_000),
  UPLOAD_TOTAL_MAX_BYTES: z.coerce.number().int().min(1024).default(2 * 1024 * 1024 * 1024),
  /** Days a widget conversation is kept after its last activity (history, files, transcript, state). */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Days a ticket is kept in the bot after its last change (its fields, transcript and delivery record); the help desk keeps its own copy. */
  TICKET_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** New widget conversations one address may start per second (after a burst of 60); raise it behind a shared office address. */
  WIDGET_TOKENS_PER_SECOND: z.coerce.number().positive().max(10_000).default(1),
  /** Live widget streams in all, and from one client address. */
  STREAMS_MAX: z.coerce.number().int().min(1).default(5000),
  STREAMS_PER_ADDRESS: z.coerce.number().int().min(1).default(50),
  /** Where the rules and the knowledge are read from (and watched: edits take effect without a restart). */
  RULES_DIR: optionalString,
  KNOWLEDGE_DIR: optionalString,
  /** Tickets by email: smtp://user:password@host:587 (STARTTLS when the server offers it) or smtps://…:465. */
  SMTP_URL: z.string().trim().regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL').optional(),
  /** The sender of ticket emails: an address the SMTP server may send as, with a name if wanted ("Kartra bot <bot@example.com>"). */
  TICKET_EMAIL_FROM: z.string().trim().regex(NAMED_EMAIL_ADDRESS, 'must be an address, or a name and <address>').optional(),
  /** Where tickets go by email (the help desk's inbound address). */
  TICKET_EMAIL_TO: address.optional(),
  /** Departments with an address of their own: Billing=billing@example.com, comma-separated. Others go to TICKET_EMAIL_TO. */
  TICKET_EMAIL_DEPARTMENTS: z.string().default('').transform((s, ctx) => {
    const map = new Map<string, string>();
    for (const entry of s.split(',').map((e) => e.trim()).filter(Boolean)) {
      const at = entry.indexOf('=');
      const department = entry.slice(0, at).trim();
      const to = entry.slice(at + 1).trim();
      if (at < 1 || !EMAIL_ADDRESS.test(to)) ctx.addIssue({ code: 'custom', message: `"${entry.slice(0, 80)}" is not Department=address` });
      else map.set(department, to);
    }
    return map;
  }),
  /** Also email the customer an acknowledgement (the reference and what happens next) at the ticket's account email. */
  TICKET_ACK_EMAIL: z.enum(['true', 'false', '']).default('false').transform((v) => v === 'true'),
  /** Tickets by webhook: a signed JSON POST to this URL. */
  TICKET_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The shared secret the webhook's signature is made with (HMAC-SHA256); at least 32 characters. */
  TICKET_WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Attempts before a delivery is given up (dead-lettered) and shown as failed. */
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  /** The first retry's delay in seconds; it doubles with each attempt (with jitter), up to an hour. */
  DELIVERY_RETRY_SECONDS: z.coerce.number().positive().max(3600).default(30),
  /** How long one send may take before it counts as failed. */
  DELIVERY_TIMEOUT_SECONDS: z.coerce.number().positive().max(300).default(20),
}).superRefine((c, ctx) => {
  const email = ['TICKET_EMAIL_FROM', 'TICKET_EMAIL_TO'] as const;
  if (c.SMTP_URL) {
    for (const key of email) if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required when SMTP_URL is set' });
  } else {
    for (const key of email) if (c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'needs SMTP_URL (the server that sends it)' });
    if (c.TICKET_ACK_EMAIL) ctx.addIssue({ code: 'custom', path: ['TICKET_ACK_EMAIL'], message: 'needs SMTP_URL (the server that sends it)' });
  }
  for (const lead of c.LEADS) {
    if (!c.AGENTS.some((a) => a.name === lead)) ctx.addIssue({ code: 'custom', path: ['LEADS'], message: `"${lead.slice(0, 40)}" is not one of AGENTS` });
  }
  if (c.TICKET_WEBHOOK_URL && !c.TICKET_WEBHOOK_SECRET) ctx.addIssue({ code: 'custom', path: ['TICKET_WEBHOOK_SECRET'], message: 'required when TICKET_WEBHOOK_URL is set' });

  if (!c.MicrosoftAppId) return;
  if (c.MicrosoftAppType !== 'UserAssignedMSI' && !c.MicrosoftAppPassword) {
    ctx.addIssue({ code: 'custom', path: ['MicrosoftAppPassword'], message: 'required when MicrosoftAppId is set (unless MicrosoftAppType is UserAssignedMSI)' });
  }
  if (c.MicrosoftAppType !== 'MultiTenant' && !c.MicrosoftAppTenantId) {
    ctx.addIssue({ code: 'custom', path: ['MicrosoftAppTenantId'], message: `required when MicrosoftAppType is ${c.MicrosoftAppType}` });
  }
});

export interface Config extends z.infer<typeof ConfigSchema> {
  host: string;
  dataDir: string;
  /** True without app credentials: no JWT checks, so only loopback by default. */
  localMode: boolean;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const localMode = !c.MicrosoftAppId;
  const host = c.HOST ?? (localMode ? '127.0.0.1' : '0.0.0.0');
  // Links the bot stores and sends (stream URLs, files) are built from PUBLIC_URL, never from a request's
  // Host header; on loopback the bound address serves, anywhere else only the operator knows the name.
  if (!c.PUBLIC_URL && !isLoopback(host)) {
    throw new ConfigError(`Invalid configuration:\n  PUBLIC_URL: required when the server listens on ${host} (the address browsers reach it at, e.g. https://bot.example.com)`);
  }
  return { ...c, localMode, host, dataDir: path.resolve(c.DATA_DIR) };
}
