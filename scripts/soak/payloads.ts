// Byte-level building blocks for the soak fuzzer: hostile JSON, strings, compression, multipart bodies and
// tokens. Everything is a Buffer because the interesting inputs (overlong UTF-8, raw NUL, lone surrogates,
// a BOM) cannot survive a round trip through a JS string and JSON.stringify.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { Rng } from './rng';

/** The server's body limits (bot/server.ts, directline/routes.ts; widget and agent routes): probed at ±1 byte. */
export const JSON_LIMIT = 512 * 1024;
export const SMALL_JSON_LIMIT = 16 * 1024;

/** A labelled payload: the label ends up in the case name, so a report line says what was sent. */
export interface Labelled<T = Buffer> { label: string; value: T }

const MARK = '@@FUZZ@@';

export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/**
 * Serialises `template` and replaces the one string value equal to MARK (quotes included) with `raw`, so
 * invalid JSON or invalid UTF-8 can sit exactly where a well-formed value would be.
 */
export function spliceRaw(template: unknown, raw: Buffer): Buffer {
  const text = JSON.stringify(template);
  const at = text.indexOf(`"${MARK}"`);
  if (at < 0) throw new Error('template has no marker');
  const before = Buffer.from(text.slice(0, at), 'utf8');
  const after = Buffer.from(text.slice(at + MARK.length + 2), 'utf8');
  return Buffer.concat([before, raw, after]);
}

/** The marker to put where spliceRaw should insert bytes. */
export const RAW = MARK;

/** A JSON string literal (with quotes) around raw content bytes. */
export function quoted(content: Buffer): Buffer {
  return Buffer.concat([Buffer.from('"'), content, Buffer.from('"')]);
}

/** Content of a JSON string literal (no quotes) that encodes `s` validly. */
function escaped(s: string): Buffer {
  return Buffer.from(JSON.stringify(s).slice(1, -1), 'utf8');
}

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

/** String contents that have broken real parsers, renderers and databases; some are deliberately invalid. */
const UNICODE: readonly (() => Labelled)[] = [
  () => ({ label: 'rtl-override', value: escaped('\u202Egnp.exe\u202C مرحبا שלום \u2067isolate\u2069') }),
  () => ({ label: 'zero-width', value: escaped('a\u200B\u200C\u200D\u2060\uFEFFb'.repeat(20)) }),
  () => ({ label: 'emoji-zwj', value: escaped('👨‍👩‍👧‍👦🏳️‍🌈🇺🇳👍🏽🧑🏿‍🚀') }),
  () => ({ label: 'combining-zalgo', value: escaped(`Z${'\u0336\u0337\u0338\u0489'.repeat(500)}`) }),
  () => ({ label: 'escaped-lone-high-surrogate', value: Buffer.from('ab\\ud800cd') }),
  () => ({ label: 'escaped-lone-low-surrogate', value: Buffer.from('\\udfff\\ud800') }),
  () => ({ label: 'wtf8-lone-surrogate', value: hex('61 ed a0 80 62') }),
  () => ({ label: 'overlong-slash', value: hex('2e 2e c0 af 2e 2e') }),
  () => ({ label: 'overlong-nul', value: hex('61 c0 80 62') }),
  () => ({ label: 'overlong-3-byte', value: hex('e0 80 af') }),
  () => ({ label: 'overlong-4-byte', value: hex('f0 80 80 af') }),
  () => ({ label: 'stray-continuation', value: hex('80 bf 80 bf') }),
  () => ({ label: 'truncated-sequence', value: hex('61 e2 82') }),
  () => ({ label: 'five-six-byte-forms', value: hex('f8 88 80 80 80 fc 84 80 80 80 80') }),
  () => ({ label: 'beyond-u10ffff', value: hex('f4 90 80 80') }),
  () => ({ label: 'raw-nul', value: hex('61 00 62') }),
  () => ({ label: 'escaped-nul', value: Buffer.from('a\\u0000b') }),
  () => ({ label: 'raw-control-chars', value: Buffer.from(Array.from({ length: 31 }, (_, i) => i + 1)) }),
  () => ({ label: 'line-separators', value: escaped('a\u2028b\u2029c') }),
  () => ({ label: 'noncharacters', value: escaped('\uFFFE\uFFFF\u{10FFFF}\u{1FFFE}') }),
  () => ({ label: 'bom-run', value: escaped('\uFEFF'.repeat(100)) }),
  () => ({ label: 'html-script', value: escaped('<script>alert(1)</script>"><img src=x onerror=alert(1)>') }),
  () => ({ label: 'markdown-link', value: escaped('**[click](javascript:alert(1))** ![x](http://127.0.0.1:1/x)') }),
  () => ({ label: 'crlf-header', value: escaped('x\r\nSet-Cookie: kt_agent=forged\r\n\r\n') }),
  () => ({ label: 'sql-quote', value: escaped("' OR '1'='1' -- ;DROP TABLE files;") }),
  () => ({ label: 'invalid-escape', value: Buffer.from('a\\u12g\\x41\\') }),
  () => ({ label: 'ascii-100k', value: Buffer.from('a'.repeat(100_000)) }),
  () => ({ label: 'ascii-100001', value: Buffer.from('a'.repeat(100_001)) }),
  () => ({ label: 'emoji-100k-units', value: escaped('😀'.repeat(50_000)) }),
  () => ({ label: 'emoji-100k-chars', value: escaped('😀'.repeat(100_000)) }),
  () => ({ label: 'zwj-100k', value: escaped('\u200D'.repeat(100_000)) }),
];

/** One hostile string content (no quotes); several are invalid UTF-8 or invalid JSON on purpose. */
export function unicodeEdge(rng: Rng): Labelled {
  return rng.pick(UNICODE)();
}

/** Breaks an otherwise valid JSON body in one of the ways clients and proxies really do. */
export function malformedJson(rng: Rng, valid: Buffer): Labelled {
  const cut = rng.int(1, Math.max(1, valid.length - 1));
  const variants: readonly (() => Labelled)[] = [
    () => ({ label: 'truncated', value: valid.subarray(0, cut) }),
    () => ({ label: 'trailing-garbage', value: Buffer.concat([valid, Buffer.from(rng.pick(['}}}', ',', 'x', '\u0000', ' {"a":1}', ']']))]) }),
    () => ({ label: 'utf8-bom', value: Buffer.concat([hex('ef bb bf'), valid]) }),
    () => ({ label: 'utf16le-bom', value: Buffer.concat([hex('ff fe'), Buffer.from(valid.toString('utf8'), 'utf16le')]) }),
    () => ({ label: 'nul-inserted', value: Buffer.concat([valid.subarray(0, cut), hex('00'), valid.subarray(cut)]) }),
    () => ({ label: 'single-quotes', value: Buffer.from(valid.toString('utf8').replace(/"/g, "'")) }),
    () => ({ label: 'trailing-comma', value: Buffer.from(valid.toString('utf8').replace(/}$/, ',}')) }),
    () => ({ label: 'comment', value: Buffer.concat([Buffer.from('/* c */'), valid]) }),
    () => ({ label: 'nan-literal', value: Buffer.from('{"type":"message","text":NaN,"value":Infinity}') }),
    () => ({ label: 'unquoted-keys', value: Buffer.from('{type:"message",text:"hi"}') }),
    () => ({ label: 'empty', value: Buffer.alloc(0) }),
    () => ({ label: 'whitespace-only', value: Buffer.from(' \n\t\r ') }),
    () => ({ label: 'scalar', value: Buffer.from(rng.pick(['null', '[]', '"str"', '0', 'true', '-1', '{}'])) }),
    () => ({ label: 'random-bytes', value: rng.bytes(rng.int(1, 2048)) }),
  ];
  return rng.pick(variants)();
}

/** JSON numbers that parse to Infinity, lose precision or have odd forms. */
function hugeNumber(rng: Rng): Labelled {
  const forms = ['1e400', '-1e400', '1e999999999', '123456789012345678901234567890', '-0', '0.0000000000000000000000001', '4.9e-324', '9007199254740993', `1${'0'.repeat(5000)}`];
  const v = rng.pick(forms);
  return { label: `number-${v.length > 40 ? `${v.length}-digits` : v}`, value: Buffer.from(v) };
}

/** A value of the wrong JSON type for whatever field it replaces. */
export function wrongType(rng: Rng): Labelled {
  const forms: readonly Labelled[] = [
    { label: 'number', value: Buffer.from('42') },
    { label: 'array', value: Buffer.from('["message"]') },
    { label: 'object', value: Buffer.from('{"id":"x"}') },
    { label: 'null', value: Buffer.from('null') },
    { label: 'bool', value: Buffer.from('true') },
    { label: 'empty-string', value: Buffer.from('""') },
  ];
  return rng.chance(0.2) ? hugeNumber(rng) : rng.pick(forms);
}

/** Appends `"key": raw` before the closing brace: JSON.parse keeps the last one, a validator may see the first. */
export function withDuplicateKey(valid: Buffer, key: string, raw: Buffer): Buffer {
  const text = valid.toString('utf8');
  const close = text.lastIndexOf('}');
  return Buffer.concat([Buffer.from(text.slice(0, close)), Buffer.from(`,${JSON.stringify(key)}:`), raw, Buffer.from(text.slice(close))]);
}

/** Keys that turn into prototype pollution when a server merges parsed JSON into objects. */
export function prototypeKeys(): Buffer {
  return Buffer.from('{"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}}}');
}

/** `[[[…]]]` or `{"a":{"a":…}}` nested `depth` deep: recursive parsers, validators and serialisers overflow. */
export function deepNesting(depth: number, kind: 'array' | 'object'): Buffer {
  if (kind === 'array') return Buffer.concat([Buffer.alloc(depth, '['), Buffer.alloc(depth, ']')]);
  return Buffer.concat([Buffer.from('{"a":'.repeat(depth)), Buffer.from('1'), Buffer.alloc(depth, '}')]);
}

/** Valid JSON padded with trailing whitespace to exactly `size` bytes (JSON allows it), to hit a limit exactly. */
export function jsonOfSize(value: unknown, size: number): Buffer {
  const json = jsonBytes(value);
  if (json.length > size) throw new Error(`JSON is already ${json.length} bytes, more than ${size}`);
  return Buffer.concat([json, Buffer.alloc(size - json.length, ' ')]);
}

const bombs = new Map<string, Buffer>();

/**
 * A gzip body that inflates to about `inflatedBytes`: an activity whose middle is whitespace (valid JSON once
 * inflated) or NUL bytes (invalid). Built once per size and kind and cached, since compressing hundreds of MB
 * takes a noticeable fraction of a second. The compressed size is about a thousandth of the inflated one.
 */
export function gzipBomb(inflatedBytes: number, kind: 'json-whitespace' | 'nul-bytes'): Buffer {
  const key = `${kind}:${inflatedBytes}`;
  let bomb = bombs.get(key);
  if (!bomb) {
    const filler = Buffer.alloc(inflatedBytes, kind === 'json-whitespace' ? ' ' : 0);
    const body = kind === 'json-whitespace' ? Buffer.concat([Buffer.from('{"type":"message",'), filler, Buffer.from('"text":"bomb"}')]) : filler;
    bomb = zlib.gzipSync(body, { level: 9 });
    bombs.set(key, bomb);
  }
  return bomb;
}

/** Compressed bodies that are not what their Content-Encoding promises, or are broken gzip. */
export function badCompression(rng: Rng, plain: Buffer): Labelled {
  const gz = zlib.gzipSync(plain);
  const variants: readonly (() => Labelled)[] = [
    () => ({ label: 'plain-body', value: plain }),
    () => ({ label: 'truncated-gzip', value: gz.subarray(0, Math.max(10, gz.length - rng.int(1, 8))) }),
    () => ({ label: 'gzip-then-garbage', value: Buffer.concat([gz, Buffer.from('garbage')]) }),
    () => ({ label: 'deflate-not-gzip', value: zlib.deflateSync(plain) }),
    () => ({ label: 'brotli-not-gzip', value: zlib.brotliCompressSync(plain) }),
    () => ({ label: 'gzip-header-only', value: gz.subarray(0, 10) }),
    () => ({ label: 'valid-gzip', value: gz }),
    () => ({ label: 'double-gzip', value: zlib.gzipSync(gz) }),
  ];
  return rng.pick(variants)();
}

export interface Part { headers: Buffer | string; body: Buffer | string }

/** A multipart/form-data body; `close: false` leaves the last part unterminated. */
export function multipart(boundary: string, parts: readonly Part[], opts: { close?: boolean; preamble?: string } = {}): Buffer {
  const chunks: Buffer[] = [];
  if (opts.preamble !== undefined) chunks.push(Buffer.from(`${opts.preamble}\r\n`));
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`), Buffer.from(p.headers), Buffer.from('\r\n\r\n'), Buffer.from(p.body), Buffer.from('\r\n'));
  }
  if (opts.close ?? true) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** The `activity` part Web Chat sends with an upload. */
export function activityPart(body: Buffer | string, type = 'application/vnd.microsoft.activity'): Part {
  return { headers: `Content-Disposition: form-data; name="activity"; filename="blob"\r\nContent-Type: ${type}`, body };
}

export function filePart(filename: string, body: Buffer, type = 'image/png'): Part {
  return { headers: `Content-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}`, body };
}

const PNG_MAGIC = hex('89 50 4e 47 0d 0a 1a 0a');

/** A "PNG" of exactly `size` bytes: right magic, zero padding. The server checks only the first bytes. */
export function pngOfSize(size: number): Buffer {
  const out = Buffer.alloc(size);
  PNG_MAGIC.copy(out, 0, 0, Math.min(size, PNG_MAGIC.length));
  return out;
}

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A JWT from parts the caller chooses; `key` signs with HS256, otherwise `signature` is used verbatim. */
export function forgeJwt(header: unknown, payload: unknown, sign: { key: Buffer } | { signature: string }): string {
  const head = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const sig = 'key' in sign ? crypto.createHmac('sha256', sign.key).update(head).digest('base64url') : sign.signature;
  return `${head}.${sig}`;
}
