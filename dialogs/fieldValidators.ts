import net from 'node:net';
import { z } from 'zod';
import type { FieldDef } from '../rules/schema';

export interface IncomingAttachment { name?: string; contentType: string; contentUrl?: string; size?: number }
export interface FieldInput { text?: string; attachments?: IncomingAttachment[] }
export interface AcceptedAttachment { name: string; contentType: string; url: string; size?: number }
export type FieldCheck =
  | { ok: true; value: string; attachment?: AcceptedAttachment }
  | { ok: false; reason: string };

export const CANT_FIND_SUPPORT_CODE = "I can't find it";
export const SUPPORT_CODE_NOT_PROVIDED = 'Not provided (the customer could not find it)';

// Longest answer taken per type; a field's max_length overrides it.
const MAX_LENGTH: Record<FieldDef['type'], number> = {
  text: 2000, choice: 500, email: 320, ip: 100, domain: 300, username: 64, support_code: 64, yesno: 100, screenshot: 2000,
};
const EmailSchema = z.email();
const EMAIL_IN_TEXT = /[^\s<>()[\]"',;:]*@[^\s<>()[\]"',;:]*/g;
const IPV4_LIKE = /\b\d{1,3}(?:\.\d{1,3}){3}\b/;
const IPV6_LIKE = /(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}/i;
const HOSTNAME = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"]+/i;
const YES = /^(y|yes|yeah|yep|yup|sure|correct|true|i do|we do|they do|it is|affirmative|absolutely|of course|si|oui|ja)\b/i;
const NO = /^(n|no|nope|nah|not really|never|false|i don'?t|we don'?t|they don'?t|none|negative|only me|just me)\b/i;
const SKIP_CODE = /(can'?t|cannot|could ?n'?o?t|unable to) (find|locate|see)|don'?t (know|have)|no idea|not sure|skip|none|^no$|^n\/?a$/i;

const quoted = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}…` : s);

function checkEmail(text: string): FieldCheck {
  const candidates = text.match(EMAIL_IN_TEXT) ?? [];
  for (const c of candidates) {
    const email = c.replace(/[.!?]+$/, '');
    if (EmailSchema.safeParse(email).success) return { ok: true, value: email.toLowerCase() };
  }
  if (candidates.length > 0) return { ok: false, reason: `“${quoted(candidates[0] ?? '')}” isn't a complete email address: it should look like name@example.com.` };
  return { ok: false, reason: "That doesn't look like an email address: it has no @. It should look like name@example.com." };
}

function checkIp(text: string): FieldCheck {
  const v4 = IPV4_LIKE.exec(text)?.[0];
  if (v4) {
    if (net.isIPv4(v4)) return { ok: true, value: v4 };
    return { ok: false, reason: `${v4} isn't a valid IP address: each of the four numbers must be between 0 and 255.` };
  }
  const v6 = IPV6_LIKE.exec(text)?.[0];
  if (v6 && net.isIPv6(v6)) return { ok: true, value: v6.toLowerCase() };
  return { ok: false, reason: "That isn't an IP address. An IP address is four numbers between 0 and 255 separated by dots, like 203.0.113.7 (or an IPv6 address like 2001:db8::1)." };
}

function checkDomain(text: string): FieldCheck {
  const first = text.trim().split(/\s+/).find((w) => /\.[a-z]{2,}/i.test(w)) ?? text.trim();
  const host = first.replace(/^[a-z]+:\/\//i, '').replace(/[/?#].*$/, '').replace(/[.,;!]+$/, '').toLowerCase();
  if (!HOSTNAME.test(host)) return { ok: false, reason: `“${quoted(host || text.trim())}” isn't a domain name. Please give it like www.yourdomain.com or shop.yourdomain.com.` };
  if (/(^|\.)kartra\.com$/.test(host)) return { ok: false, reason: `${host} is a Kartra address, not your own domain. Which custom domain is it (like www.yourdomain.com)?` };
  return { ok: true, value: host };
}

function checkScreenshot(input: FieldInput): FieldCheck {
  const files = input.attachments ?? [];
  const image = files.find((a) => a.contentUrl && /^image\//i.test(a.contentType));
  if (image?.contentUrl) {
    if (image.contentUrl.length > 4000) return { ok: false, reason: "That image's link is too long to keep. Please upload the image itself, or paste a shorter link to it." };
    const name = (image.name ?? 'screenshot').slice(0, 300) || 'screenshot';
    return { ok: true, value: `Attached image: ${name}`, attachment: { name, contentType: image.contentType.slice(0, 200), url: image.contentUrl, ...(Number.isSafeInteger(image.size) && (image.size ?? -1) >= 0 ? { size: image.size } : {}) } };
  }
  const link = URL_IN_TEXT.exec(input.text ?? '')?.[0]?.replace(/[.,;!)]+$/, '');
  if (link && link.length > MAX_LENGTH.screenshot) return { ok: false, reason: `That link is ${link.length.toLocaleString('en')} characters long; please paste a shorter one (a Loom or TechSmith Capture share link), or upload the image.` };
  if (link) return { ok: true, value: link };
  const other = files.find((a) => a.contentUrl);
  if (other) return { ok: false, reason: `That file is ${other.contentType}, not an image. Please upload a screenshot (PNG, JPG…) or paste a link to it.` };
  return { ok: false, reason: 'I need the screenshot itself: upload the image here, or paste a link to it (a Loom or TechSmith Capture link works).' };
}

/** Checks one answer against its field definition and returns the value to store, or why it was refused. */
export function checkField(def: FieldDef, input: FieldInput): FieldCheck {
  if (def.type === 'screenshot') return checkScreenshot(input);
  const text = (input.text ?? '').trim();
  if (!text) {
    return { ok: false, reason: (input.attachments?.length ?? 0) > 0 ? 'I need this one typed as text.' : "I didn't get an answer." };
  }
  const max = def.max_length ?? MAX_LENGTH[def.type];
  if (text.length > max) return { ok: false, reason: `That's ${text.length.toLocaleString('en')} characters; please keep it under ${max.toLocaleString('en')}.` };
  switch (def.type) {
    case 'email': return checkEmail(text);
    case 'ip': return checkIp(text);
    case 'domain': return checkDomain(text);
    case 'yesno':
      if (YES.test(text)) return { ok: true, value: 'Yes' };
      if (NO.test(text)) return { ok: true, value: 'No' };
      return { ok: false, reason: 'Please answer yes or no.' };
    case 'choice': {
      const choices = def.choices ?? [];
      const n = Number.parseInt(text, 10);
      const hit = choices.find((c) => c.toLowerCase() === text.toLowerCase()) ??
        (String(n) === text && n >= 1 && n <= choices.length ? choices[n - 1] : undefined) ??
        choices.find((c) => text.toLowerCase().includes(c.toLowerCase()));
      if (hit) return { ok: true, value: hit };
      if (def.allow_other && text.length >= 2) return { ok: true, value: text };
      return { ok: false, reason: `Please pick one of: ${choices.join(', ')}.` };
    }
    case 'support_code':
      if (SKIP_CODE.test(text)) return { ok: true, value: SUPPORT_CODE_NOT_PROVIDED };
      if (/\bwhere\b|\?$/.test(text)) return { ok: false, reason: "Your Support Code is shown in your Kartra account profile. If you can't find it there, choose “I can't find it”." };
      if (!/^[\w-]{2,64}$/.test(text)) return { ok: false, reason: "A Support Code is one short code of letters and numbers, without spaces. If you can't find it, choose “I can't find it”." };
      return { ok: true, value: text };
    case 'username':
      if (!/^[\w.-]{2,64}$/.test(text)) return { ok: false, reason: 'A username is a single word (letters, numbers, dots, dashes or underscores), without spaces.' };
      return { ok: true, value: text };
    case 'text':
      return { ok: true, value: text };
  }
}
