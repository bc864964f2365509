import net from 'node:net';
import { z } from 'zod';
import type { Messages } from '../rules/messages';
import type { FieldDef } from '../rules/schema';
import { recogniseOption } from './choicePrompt';
import { polarity } from './polarity';

export interface IncomingAttachment { name?: string; contentType: string; contentUrl?: string; size?: number }
export interface FieldInput { text?: string; attachments?: IncomingAttachment[] }
export interface AcceptedAttachment { name: string; contentType: string; url: string; size?: number }
export type FieldCheck =
  | { ok: true; value: string; attachment?: AcceptedAttachment }
  | { ok: false; reason: string };

// Longest answer taken per type; a field's max_length overrides it.
const MAX_LENGTH: Record<FieldDef['type'], number> = {
  text: 2000, choice: 500, email: 320, ip: 100, domain: 300, username: 64, support_code: 64, yesno: 500, screenshot: 2000,
};
const EmailSchema = z.email();
const EMAIL_IN_TEXT = /[^\s<>()[\]"',;:]*@[^\s<>()[\]"',;:]*/g;
const IPV4_LIKE = /\b\d{1,3}(?:\.\d{1,3}){3}\b/;
const IPV6_LIKE = /(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}/i;
const HOSTNAME = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"]+/i;
const SKIP_CODE = /(can'?t|cannot|could ?n'?o?t|unable to) (find|locate|see)|don'?t (know|have)|no idea|not sure|skip|none|^no$|^n\/?a$/i;
// Addresses that belong to Kartra itself: never the customer's own account email.
const KARTRA_DOMAINS = /@(?:[\w-]+\.)*(?:kartra\.com|genesisdigital\.co)$/i;

/** Addresses inside a network, not what Kartra sees of a customer: private, loopback, link-local, shared (CGNAT). */
const PRIVATE = new net.BlockList();
for (const [net4, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) PRIVATE.addSubnet(net4, prefix, 'ipv4');
for (const [net6, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10]] as const) PRIVATE.addSubnet(net6, prefix, 'ipv6');
/**
 * Addresses no device has as its own: protocol assignments, benchmarking, multicast, reserved, broadcast.
 * The documentation ranges (203.0.113.0/24…) stay accepted: examples, the bot's own, are written with them.
 */
const RESERVED = new net.BlockList();
for (const [net4, prefix] of [['192.0.0.0', 24], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) RESERVED.addSubnet(net4, prefix, 'ipv4');
RESERVED.addSubnet('ff00::', 8, 'ipv6');

/** Words around a one-word value that are not it: "it's bobsmith", "username: bob_s", "my code is K9X2Z". */
const LEAD_WORDS = new Set([
  'it', 'its', "it's", 'is', 'was', 'my', 'our', 'the', 'a', 'an', 'i', "i'm", 'im', 'think', 'guess', 'should', 'be', 'use', 'try', 'this', 'that', 'one',
  'username', 'user', 'name', 'login', 'kartra', 'account', 'code', 'support', 'id', 'here', 'ok', 'okay', 'oh', 'sorry', 'actually', 'sure',
  'yes', 'yeah', 'yep', 'thanks', 'thank', 'you', 'please', 'of', 'for', 'and', 'as', 'in', 'on', 'under', 'with', 'called', 'mine', 'so',
  'from', 'at', 'by', 'to', 'instead', 'then', 'just', 'still', 'not', 'no', 'me', 'again', 'now', 'there', 'what', 'same',
]);
const TRIM_TOKEN = /^[\s"“”‘’'`(<[{*]+|[\s"“”‘’'`)>\]}*,;:!?.]+$/g;

/**
 * The one word of a sentence that has the value's form, when there is exactly one: customers write
 * "it's bobsmith", not "bobsmith". Two candidates ("bob smith") are not guessed between.
 */
function oneToken(text: string, form: RegExp): string | undefined {
  const bare = text.replace(TRIM_TOKEN, '');
  if (form.test(bare)) return bare;
  const candidates = text.split(/\s+/).map((t) => t.replace(TRIM_TOKEN, ''))
    .filter((t) => form.test(t) && !LEAD_WORDS.has(t.toLowerCase().replace(/[‘’]/g, "'")));
  if (candidates.length === 1) return candidates[0];
  // "ok found it, its KX4471", "I told you, its paula_p": one word looks made up (digits, _ . -), the others are words.
  const marked = candidates.filter((t) => /\d|[\w][_.-][\w]/.test(t));
  return marked.length === 1 ? marked[0] : undefined;
}

/** A code, not a word: it has a digit, or is written in capitals ("domain" typed at the question is not a code). */
const CODE_LIKE = /\d|^[A-Z][A-Z-]{3,}$/;

const quoted = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}…` : s);

function checkEmail(text: string, m: Messages): FieldCheck {
  const candidates = text.match(EMAIL_IN_TEXT) ?? [];
  for (const c of candidates) {
    const email = c.replace(/[.!?]+$/, '');
    if (!EmailSchema.safeParse(email).success) continue;
    if (KARTRA_DOMAINS.test(email)) return { ok: false, reason: m.say('email_not_yours', { value: email.toLowerCase() }) };
    return { ok: true, value: email.toLowerCase() };
  }
  if (candidates.length > 0) return { ok: false, reason: m.say('email_incomplete', { value: quoted(candidates[0] ?? '') }) };
  return { ok: false, reason: m.say('email_missing') };
}

function checkIp(text: string, m: Messages): FieldCheck {
  const v4 = IPV4_LIKE.exec(text)?.[0];
  if (v4) {
    if (!net.isIPv4(v4)) return { ok: false, reason: m.say('ip_invalid', { value: v4 }) };
    if (PRIVATE.check(v4, 'ipv4')) return { ok: false, reason: m.say('ip_private', { value: v4 }) };
    if (RESERVED.check(v4, 'ipv4')) return { ok: false, reason: m.say('ip_reserved', { value: v4 }) };
    return { ok: true, value: v4 };
  }
  const v6 = IPV6_LIKE.exec(text)?.[0];
  if (v6 && net.isIPv6(v6)) {
    if (PRIVATE.check(v6, 'ipv6')) return { ok: false, reason: m.say('ip_private', { value: v6 }) };
    if (RESERVED.check(v6, 'ipv6')) return { ok: false, reason: m.say('ip_reserved', { value: v6 }) };
    return { ok: true, value: v6.toLowerCase() };
  }
  return { ok: false, reason: m.say('ip_not_ip') };
}

const TLD_TYPOS: Record<string, string> = { con: 'com', cmo: 'com', ocm: 'com', comm: 'com', vom: 'com', xom: 'com', cpm: 'com', nte: 'net', ner: 'net', ogr: 'org', orh: 'org' };

function checkDomain(text: string, m: Messages): FieldCheck {
  const first = text.trim().split(/\s+/).find((w) => /\.[a-z]{2,}/i.test(w)) ?? text.trim();
  const host = first.replace(/^[a-z]+:\/\//i, '').replace(/[/?#].*$/, '').replace(/[.,;!]+$/, '').toLowerCase();
  if (!HOSTNAME.test(host)) return { ok: false, reason: m.say('domain_invalid', { value: quoted(host || text.trim()) }) };
  if (/(^|\.)kartra\.com$/.test(host)) return { ok: false, reason: m.say('domain_kartra', { value: host }) };
  // Endings no one registers, typed for .com, .net or .org: asked again rather than sent to the team.
  const typo = TLD_TYPOS[host.slice(host.lastIndexOf('.') + 1)];
  if (typo) return { ok: false, reason: m.say('domain_typo', { value: host, meant: host.replace(/\.[a-z]+$/, `.${typo}`) }) };
  return { ok: true, value: host };
}

function checkScreenshot(input: FieldInput, m: Messages): FieldCheck {
  const files = input.attachments ?? [];
  const image = files.find((a) => a.contentUrl && /^image\//i.test(a.contentType));
  if (image?.contentUrl) {
    if (image.contentUrl.length > 4000) return { ok: false, reason: m.say('image_link_too_long') };
    const name = (image.name ?? 'screenshot').slice(0, 300) || 'screenshot';
    return { ok: true, value: `Attached image: ${name}`, attachment: { name, contentType: image.contentType.slice(0, 200), url: image.contentUrl, ...(Number.isSafeInteger(image.size) && (image.size ?? -1) >= 0 ? { size: image.size } : {}) } };
  }
  const link = URL_IN_TEXT.exec(input.text ?? '')?.[0]?.replace(/[.,;!)]+$/, '');
  if (link && link.length > MAX_LENGTH.screenshot) return { ok: false, reason: m.say('screenshot_link_too_long', { length: link.length.toLocaleString('en') }) };
  if (link) return { ok: true, value: link };
  const other = files.find((a) => a.contentUrl);
  if (other) return { ok: false, reason: m.say('screenshot_not_image', { type: other.contentType }) };
  return { ok: false, reason: m.say('screenshot_missing') };
}

const words = (s: string) => s.toLowerCase().match(/\p{L}{2,}/gu) ?? [];

/**
 * Yes or no, keeping what else the customer said ("yes, NordVPN sometimes" → "Yes (NordVPN sometimes)"),
 * unless it only repeats the question ("no vpn" is "No").
 */
function checkYesNo(def: FieldDef, text: string, m: Messages): FieldCheck {
  const p = polarity(text);
  if (p.answer === undefined) return { ok: false, reason: m.say('yes_no') };
  const label = p.answer === 'yes' ? 'Yes' : p.answer === 'no' ? 'No' : 'Not sure';
  const asked = new Set(words([def.label, def.prompt, ...def.aliases].join(' ')));
  const news = p.detail ? words(p.detail).filter((w) => !asked.has(w) && !LEAD_WORDS.has(w)) : [];
  return { ok: true, value: p.detail && news.length ? `${label} (${p.detail})` : label };
}

/** One of the choices; or, where the field allows it, a short description that is none of them (not a link, an address or nonsense). */
function checkChoice(def: FieldDef, text: string, m: Messages): FieldCheck {
  const choices = def.choices ?? [];
  const index = recogniseOption(text, { options: choices.map((label) => ({ label, synonyms: [] })), yesNo: false });
  if (index !== undefined) return { ok: true, value: choices[index] ?? text };
  // The field's own reading of a message names a choice ("cafe" is the Internet cafe).
  const extracted = def.extract.find((r) => r.value !== undefined && choices.includes(r.value) && new RegExp(r.when, 'iu').test(text))?.value;
  if (extracted) return { ok: true, value: extracted };
  const describes = /\p{L}{3,}/u.test(text) && !URL_IN_TEXT.test(text) && !/@/.test(text) && !IPV4_LIKE.test(text)
    && (def.other_when ? new RegExp(def.other_when, 'iu').test(text) : (text.match(/\p{L}+/gu) ?? []).length >= 2);
  if (def.allow_other && describes) return { ok: true, value: text };
  return { ok: false, reason: def.allow_other ? m.say('choice_other', { choices: choices.join(', ') }) : m.say('choice_pick', { choices: choices.join(', ') }) };
}

/** Checks one answer against its field definition and returns the value to store, or why it was refused. */
export function checkField(def: FieldDef, input: FieldInput, m: Messages): FieldCheck {
  if (def.type === 'screenshot') return checkScreenshot(input, m);
  const text = (input.text ?? '').trim();
  if (!text) return { ok: false, reason: (input.attachments?.length ?? 0) > 0 ? m.say('typed_text_needed') : m.say('no_answer') };
  const max = def.max_length ?? MAX_LENGTH[def.type];
  if (text.length > max) return { ok: false, reason: m.say('too_long', { length: text.length.toLocaleString('en'), max: max.toLocaleString('en') }) };
  switch (def.type) {
    case 'email': return checkEmail(text, m);
    case 'ip': return checkIp(text, m);
    case 'domain': return checkDomain(text, m);
    case 'yesno': return checkYesNo(def, text, m);
    case 'choice': return checkChoice(def, text, m);
    case 'support_code':
      if (SKIP_CODE.test(text)) return { ok: true, value: m.say('support_code_not_provided') };
      if (/\bwhere\b|\?$/.test(text)) return { ok: false, reason: m.say('support_code_where') };
    {
      const code = oneToken(text, /^[\w-]{2,64}$/);
      return code && CODE_LIKE.test(code) ? { ok: true, value: code } : { ok: false, reason: m.say('support_code_format') };
    }
    case 'username': {
      // Markup is no username ("<img src=x …>" would leave "img").
      if (/[<>]/.test(text)) return { ok: false, reason: m.say('username_format') };
      const username = oneToken(text, /^[\w][\w.-]{1,63}$/);
      return username ? { ok: true, value: username } : { ok: false, reason: m.say('username_format') };
    }
    case 'text':
      // A description, not a bare "no" or "ok": those are answers to some other question.
      if (!/\p{L}{2,}/u.test(text) || (polarity(text).answer !== undefined && !polarity(text).detail && (text.match(/\S+/g) ?? []).length <= 3)) {
        return { ok: false, reason: m.say('text_needs_detail') };
      }
      return { ok: true, value: text };
  }
}
