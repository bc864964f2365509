/**
 * Personal details in what a customer wrote, replaced before it is kept for the lead's view: the review
 * inbox, the training sentences it adds, the analytics events and anything exported from them. The
 * ticket keeps the details themselves (a lead who opens the ticket sees them).
 */
const RULES: Array<[RegExp, string | ((m: string) => string)]> = [
  [/\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '[email]'],
  [/\bhttps?:\/\/\S+|\bwww\.\S+/gi, '[link]'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, '[ip]'],
  // IPv6, compressed too (2001:db8::1, fe80::1ff:fe23:4567:890a).
  [/(?<![\w:])(?=[0-9a-f:]*[0-9a-f])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])/gi, (m) => (/^\d{1,2}:\d{2}(?::\d{2})?$/.test(m) ? m : '[ip]')],
  // A domain named bare (shop.mybrand.com): the customer's own, usually.
  [/\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|co|uk|de|fr|es|it|nl|au|ca|us|info|biz|shop|store|online|site|app|dev|me|tv|academy|coach|club|eu)\b/gi, (m) => (/^kartra\.com$/i.test(m) ? m : '[domain]')],
  // Card, phone and account numbers: seven digits or more, spaced or not; any number of five digits or more.
  [/(?<![\w+])\+?\d[\d\s().-]{5,}\d(?!\w)/g, (m) => ((m.match(/\d/g) ?? []).length >= 7 ? '[number]' : m)],
  [/\b\d{5,}\b/g, '[number]'],
  // Support Codes and ticket references: SC-5521, PX99QZ77, kt-7gp63a (not "windows10" or "iphone15").
  [/\b[a-z]{1,4}-[a-z0-9]*\d[a-z0-9-]*\b/gi, '[code]'],
  [/\b(?=[A-Z0-9]*\d)(?=(?:[0-9]*[A-Z]){2})[A-Z0-9]{5,}\b/g, '[code]'],
  // Codes in any case with three digits or more (ab12cd34), and long key-like strings (API keys, tokens).
  [/\b(?=(?:[a-z]*\d){3})(?=(?:\d*[a-z]){2})[a-z0-9]{6,}\b/gi, '[code]'],
  [/\b[\w-]{24,}\b/g, '[code]'],
];

/** Invisible and direction-changing characters: shown to a lead, they could reorder what was written. */
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;

export function mask(text: string): string {
  // Full-width and other look-alike forms (ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ) as the plain ones they stand for.
  let out = text.normalize('NFKC').replace(INVISIBLE, '');
  for (const [re, to] of RULES) out = out.replace(re, to as string);
  return out;
}
