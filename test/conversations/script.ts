// Conversation tests as data: the YAML schema, and how an expected reply is matched against what the
// customer saw.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';

export const CHANNELS = ['widget', 'teams'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** `/pattern/flags` is a regular expression; any other string must appear in the reply (case-insensitive). */
const Pattern = z.string().min(1);
const Expected = z.union([
  Pattern,
  z.object({ text: Pattern.optional(), choices: z.array(z.string()).optional(), card: Pattern.optional() }).strict(),
]);
/** Every customer message gets a reply: a turn that expects silence cannot be written. */
const Replies = z.array(Expected).min(1, 'every customer message gets at least one reply');

const Turn = z.union([
  /** `{ticket}` stands for the reference the bot gave last in this conversation. */
  z.object({ say: z.string(), expect: Replies }).strict(),
  /** A card's Action.Submit (the summary card's buttons, Teams choice buttons). */
  z.object({ submit: z.record(z.string(), z.unknown()), expect: Replies }).strict(),
  /** A file sent with the paperclip (widget only): a name under test/conversations/files. */
  z.object({ upload: z.string(), text: z.string().optional(), expect: Replies }).strict(),
]);

export const ConversationSchema = z.object({
  title: z.string().min(1),
  channels: z.array(z.enum(CHANNELS)).default([...CHANNELS]),
  turns: z.array(Turn).min(1),
  /** The tickets the conversation opened, in order: each a subset of the ticket (subject, department, fields…). */
  tickets: z.array(z.object({
    subject: Pattern.optional(),
    department: z.string().optional(),
    status: z.string().optional(),
    fields: z.record(z.string(), z.string()).optional(),
    /** Field names that must not be on the ticket. */
    absent: z.array(z.string()).optional(),
  }).strict()).default([]),
  /** Hand-off: whether the conversation ends waiting in the agents' queue. */
  queued: z.boolean().default(false),
}).strict();
export type ConversationScript = z.infer<typeof ConversationSchema>;
export type ExpectedReply = z.infer<typeof Expected>;
export type ScriptTurn = z.infer<typeof Turn>;

/** What a customer sees of one bot message, in a form both channels share. */
export interface SeenReply { text: string; choices: string[]; card?: string }

export function render(r: SeenReply): string {
  return [r.text, r.choices.length ? `[${r.choices.join(' | ')}]` : '', r.card ? `[card: ${r.card}]` : ''].filter(Boolean).join(' ');
}

function test(pattern: string, value: string): boolean {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (m) return new RegExp(m[1] ?? '', m[2]).test(value);
  return value.toLowerCase().includes(pattern.toLowerCase());
}

/** Markdown the customer does not see as such: emphasis markers and escapes. */
export function plain(text: string): string {
  return text.replace(/\*\*(.+?)\*\*/gs, '$1').replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, '$1');
}

export function matches(expected: ExpectedReply, seen: SeenReply): boolean {
  const text = plain(seen.text);
  if (typeof expected === 'string') return test(expected, `${text} ${seen.choices.join(' | ')} ${seen.card ?? ''}`);
  if (expected.text !== undefined && !test(expected.text, text)) return false;
  if (expected.choices !== undefined && JSON.stringify(expected.choices) !== JSON.stringify(seen.choices)) return false;
  if (expected.card !== undefined && !(seen.card && test(expected.card, seen.card))) return false;
  return true;
}

export const CONVERSATIONS_DIR = path.join(__dirname);

/** Every conversation file, validated; a broken file fails with its name, path and reason. */
export function loadConversations(dir = CONVERSATIONS_DIR): Array<{ file: string; script: ConversationScript }> {
  const files = fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.yaml')).sort();
  return files.flatMap((file) => {
    const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'));
    return docs.map((doc, i) => {
      const parsed = ConversationSchema.safeParse(doc.toJS());
      if (!parsed.success) throw new Error(`${file} (document ${i + 1}): ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
      return { file: docs.length > 1 ? `${file}#${i + 1}` : file, script: parsed.data };
    });
  });
}
