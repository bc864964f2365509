// POST /v3/directline/conversations/{id}/upload: multipart read by busboy as a stream (no body parser, so the
// 512 KB JSON limit does not apply; UPLOAD_MAX_BYTES and the part limits do).
import zlib from 'node:zlib';
import { authHeaders, DL, enc, forgedBearer, generator, otherConversation, validAuth, type Gen, type Generator, type HttpDraft } from '../kit';
import {
  activityPart, deepNesting, filePart, jsonBytes, jsonOfSize, malformedJson, multipart, pngOfSize, unicodeEdge, quoted, RAW, spliceRaw,
  type Labelled, type Part,
} from '../payloads';

/** busboy's own limit for the activity part (bot/directline/upload.ts), probed at ±1 byte. */
const ACTIVITY_LIMIT = 256 * 1024;

const uploadPath = (g: Gen, id = enc(g.ctx.conversationId)) => `${DL}/conversations/${id}/upload?userId=${enc(g.ctx.userId)}`;

function activityJson(g: Gen): Buffer {
  return jsonBytes({ type: 'message', text: 'see attached', from: { id: g.ctx.userId }, channelData: { clientActivityID: g.rng.word(12) } });
}

interface UploadOptions { headers?: Record<string, string>; contentType?: string; path?: string; expect?: 'any' }

/** A POST to the upload route, with the context's token unless the options say otherwise. */
function send(g: Gen, variant: string, boundary: string, body: Buffer, o: UploadOptions = {}): HttpDraft {
  return {
    variant, method: 'POST', path: o.path ?? uploadPath(g), body, ...(o.expect ? { expect: o.expect } : {}),
    headers: { ...(o.headers ?? validAuth(g)), 'content-type': o.contentType ?? `multipart/form-data; boundary=${boundary}` },
  };
}

const boundaryOf = (g: Gen) => `----WebKitFormBoundary${g.rng.word(16)}`;

function valid(g: Gen): HttpDraft {
  const b = boundaryOf(g);
  return send(g, 'png', b, multipart(b, [activityPart(activityJson(g)), filePart('shot.png', pngOfSize(g.rng.int(8, 4096)))]));
}

/** The file exactly at UPLOAD_MAX_BYTES (accepted) and one byte over (413); the activity part at its limit. */
function sizes(g: Gen): HttpDraft {
  const { rng, ctx } = g;
  const b = boundaryOf(g);
  if (rng.chance(0.3)) {
    const delta = rng.pick([-1, 0, 1]);
    const activity = jsonOfSize({ type: 'message', text: 'x', from: { id: ctx.userId } }, ACTIVITY_LIMIT + delta);
    return send(g, `activity-part-limit${delta >= 0 ? '+' : ''}${delta}`, b, multipart(b, [activityPart(activity), filePart('a.png', pngOfSize(64))]));
  }
  const delta = rng.pick([-1, 0, 0, 1, 1, ctx.uploadMaxBytes, -ctx.uploadMaxBytes]);
  const size = ctx.uploadMaxBytes + delta;
  return send(g, `file-limit${delta >= 0 ? '+' : ''}${delta}`, b, multipart(b, [activityPart(activityJson(g)), filePart('big.png', pngOfSize(size))]));
}

/** Boundaries missing, wrong, oversized, and bodies that never close their last part. */
function boundaries(g: Gen): HttpDraft {
  const { rng } = g;
  const b = boundaryOf(g);
  const parts = [activityPart(activityJson(g)), filePart('a.png', pngOfSize(128))];
  const body = multipart(b, parts);
  const variants: readonly (() => HttpDraft)[] = [
    () => send(g, 'no-boundary-param', b, body, { contentType: 'multipart/form-data' }),
    () => send(g, 'wrong-boundary', b, body, { contentType: 'multipart/form-data; boundary=nope' }),
    () => send(g, 'empty-boundary', '', multipart('', parts)),
    () => send(g, 'boundary-200-chars', 'x'.repeat(200), multipart('x'.repeat(200), parts)),
    () => send(g, 'quoted-boundary', b, body, { contentType: `multipart/form-data; boundary="${b}"` }),
    () => send(g, 'boundary-with-spaces', 'a b c', multipart('a b c', parts), { contentType: 'multipart/form-data; boundary="a b c"' }),
    () => send(g, 'unterminated', b, multipart(b, parts, { close: false })),
    () => send(g, 'unterminated-mid-file', b, multipart(b, parts).subarray(0, rng.int(60, 300))),
    () => send(g, 'preamble-garbage', b, multipart(b, parts, { preamble: 'x'.repeat(rng.int(1, 70_000)) })),
    () => send(g, 'part-without-blank-line', b, Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="activity"\r\n--${b}--\r\n`)),
    () => send(g, 'lf-only', b, Buffer.from(body.toString('latin1').replace(/\r\n/g, '\n'), 'latin1')),
    () => send(g, 'only-closing-delimiter', b, Buffer.from(`--${b}--\r\n`)),
    () => send(g, 'empty-body', b, Buffer.alloc(0)),
    () => send(g, 'multipart-mixed', b, body, { contentType: `multipart/mixed; boundary=${b}` }),
    () => send(g, 'boundary-in-file', b, multipart(b, [activityPart(activityJson(g)), filePart('a.png', Buffer.concat([pngOfSize(16), Buffer.from(`\r\n--${b}\r\n`)]))])),
  ];
  return rng.pick(variants)();
}

/** Part headers: NUL bytes, missing disposition, hostile filenames, enormous header lines. */
function partHeaders(g: Gen): HttpDraft {
  const { rng } = g;
  const b = boundaryOf(g);
  const png = pngOfSize(256);
  const file = (headers: string | Buffer): Part => ({ headers, body: png });
  const variants: readonly Labelled<Part>[] = [
    { label: 'nul-in-name', value: file('Content-Disposition: form-data; name="fi\u0000le"; filename="a.png"\r\nContent-Type: image/png') },
    { label: 'nul-in-filename', value: file('Content-Disposition: form-data; name="file"; filename="a\u0000.png"\r\nContent-Type: image/png') },
    { label: 'nul-in-header-name', value: file('Content-Dispo\u0000sition: form-data; name="file"; filename="a.png"') },
    { label: 'no-disposition', value: file('Content-Type: image/png') },
    { label: 'filename-traversal', value: filePart('../../../../etc/passwd', png) },
    // The server cuts names at 300 UTF-16 units: here the cut falls inside a surrogate pair.
    { label: 'filename-cut-splits-emoji', value: filePart(`${'a'.repeat(299)}😀.png`, png) },
    { label: 'filename-rfc5987-bad', value: file(`Content-Disposition: form-data; name="file"; filename*=${rng.pick(["utf-8''%E0%A4%A", "utf-16le''%00%D8", "x-bogus''abc", "''", "utf-8'en'%"])}\r\nContent-Type: image/png`) },
    { label: 'filename-crlf', value: file('Content-Disposition: form-data; name="file"; filename="a\r\nSet-Cookie: x=y.png"\r\nContent-Type: image/png') },
    { label: 'filename-unicode', value: filePart('\u202Egnp.exe 😀\u200B\uFEFF.png', png) },
    { label: 'header-line-100k', value: file(`Content-Disposition: form-data; name="file"; filename="${'a'.repeat(100_000)}.png"`) },
    { label: '3000-header-lines', value: file(Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).concat('Content-Disposition: form-data; name="file"; filename="a.png"').join('\r\n')) },
    { label: 'two-dispositions', value: file('Content-Disposition: form-data; name="activity"\r\nContent-Disposition: form-data; name="file"; filename="a.png"') },
    { label: 'raw-high-bytes', value: file(Buffer.concat([Buffer.from('Content-Disposition: form-data; name="file"; filename="'), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from('.png"')])) },
  ];
  const v = rng.pick(variants);
  return send(g, v.label, b, multipart(b, [activityPart(activityJson(g)), v.value]));
}

function tooMany(g: Gen): HttpDraft {
  const { rng } = g;
  const b = boundaryOf(g);
  const count = rng.pick([5, 6, 7, 50]);
  const kind = rng.pick(['files', 'fields', 'tiny-parts'] as const);
  const n = kind === 'tiny-parts' ? rng.pick([12, 1000, 10_000]) : count;
  const parts = Array.from({ length: n }, (_, i): Part => kind === 'files' ? filePart(`f${i}.png`, pngOfSize(32))
    : kind === 'fields' ? { headers: `Content-Disposition: form-data; name="f${i}"`, body: 'x' } : { headers: 'Content-Disposition: form-data; name="x"', body: '' });
  return send(g, `${n}-${kind}`, b, multipart(b, [activityPart(activityJson(g)), ...parts]));
}

/** The activity part: not JSON, the wrong shape, nested, missing, doubled, or sent as a plain field. */
function activityVariants(g: Gen): HttpDraft {
  const { rng } = g;
  const b = boundaryOf(g);
  const png = filePart('a.png', pngOfSize(64));
  const json = activityJson(g);
  const variants: readonly (() => Labelled<Part[]>)[] = [
    () => { const m = malformedJson(rng, json); return { label: `malformed-${m.label}`, value: [activityPart(m.value), png] }; },
    () => ({ label: 'not-json-text', value: [activityPart('this is not json', 'text/plain'), png] }),
    () => ({ label: 'wrong-type', value: [activityPart(jsonBytes({ type: 'conversationUpdate', membersAdded: [{ id: 'x' }] })), png] }),
    () => ({ label: 'event-handoff', value: [activityPart(jsonBytes({ type: 'event', name: 'handoff.status', value: { state: 'completed' } })), png] }),
    () => ({ label: 'deep-nesting', value: [activityPart(spliceRaw({ type: 'message', value: RAW }, deepNesting(rng.int(1000, 100_000), 'array'))), png] }),
    () => { const u = unicodeEdge(rng); return { label: `text-${u.label}`, value: [activityPart(spliceRaw({ type: 'message', text: RAW }, quoted(u.value))), png] }; },
    () => ({ label: 'as-plain-field', value: [{ headers: 'Content-Disposition: form-data; name="activity"', body: json }, png] }),
    () => ({ label: 'missing', value: [png] }),
    () => ({ label: 'twice', value: [activityPart(json), activityPart(jsonBytes({ type: 'typing' })), png] }),
    () => ({ label: 'no-file', value: [activityPart(json)] }),
    () => ({ label: 'after-file', value: [png, activityPart(json)] }),
  ];
  const v = rng.pick(variants)();
  return send(g, v.label, b, multipart(b, v.value));
}

/** Content the magic-byte check must refuse (or serve safely): markup, executables, polyglots. */
function fileKinds(g: Gen): HttpDraft {
  const { rng } = g;
  const b = boundaryOf(g);
  const kinds: readonly [string, Buffer, string][] = [
    ['svg-script', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'image/svg+xml'],
    ['html', Buffer.from('<html><script>alert(document.cookie)</script></html>'), 'image/png'],
    ['exe', Buffer.concat([Buffer.from('MZ'), rng.bytes(200)]), 'image/png'],
    ['png-html-polyglot', Buffer.concat([pngOfSize(8), Buffer.from('<html><script>alert(1)</script>')]), 'text/html'],
    ['gif-js-polyglot', Buffer.from('GIF89a/*\x00\x00*/=alert(1)//'), 'image/gif'],
    ['pdf-js', Buffer.from('%PDF-1.7\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj'), 'application/pdf'],
    ['webp-short', Buffer.from('RIFF\x00\x00\x00\x00WEB'), 'image/webp'],
    ['one-byte', Buffer.from([0x89]), 'image/png'],
    ['empty', Buffer.alloc(0), 'image/png'],
    ['jpeg-magic-only', Buffer.from([0xff, 0xd8, 0xff]), 'image/jpeg'],
    ['random', rng.bytes(rng.int(1, 10_000)), 'application/octet-stream'],
  ];
  const [label, data, type] = rng.pick(kinds);
  return send(g, label, b, multipart(b, [activityPart(activityJson(g)), filePart(`${label}.png`, data, type)]));
}

function auth(g: Gen): HttpDraft {
  const b = boundaryOf(g);
  const body = multipart(b, [activityPart(activityJson(g)), filePart('a.png', pngOfSize(64))]);
  if (g.rng.chance(0.25)) return send(g, 'other-conversation', b, body, { path: uploadPath(g, otherConversation(g)) });
  const a = forgedBearer(g);
  return send(g, a.label, b, body, { headers: authHeaders(a.value) });
}

/** Transport-level oddities: not multipart, compressed, lengths that lie, chunked. */
function transport(g: Gen): HttpDraft {
  const { rng } = g;
  const b = boundaryOf(g);
  const body = multipart(b, [activityPart(activityJson(g)), filePart('a.png', pngOfSize(512))]);
  const ct = `multipart/form-data; boundary=${b}`;
  const variants: readonly (() => HttpDraft)[] = [
    () => send(g, 'json-content-type', b, activityJson(g), { contentType: 'application/json' }),
    () => send(g, 'no-content-type', b, body, { contentType: '' }),
    () => send(g, 'gzip-encoded', b, zlib.gzipSync(body), { headers: { ...validAuth(g), 'content-encoding': 'gzip' } }),
    () => send(g, 'gzip-header-plain-body', b, body, { headers: { ...validAuth(g), 'content-encoding': 'gzip' } }),
    () => send(g, 'length-longer', b, body, { headers: { ...validAuth(g), 'content-length': String(body.length + 100) }, contentType: ct, expect: 'any' }),
    () => send(g, 'length-shorter', b, body, { headers: { ...validAuth(g), 'content-length': String(body.length - 100) }, contentType: ct }),
    () => send(g, 'chunked', b, body, { headers: { ...validAuth(g), 'transfer-encoding': 'chunked' }, contentType: ct }),
    () => send(g, 'no-user-id', b, body, { path: uploadPath(g).split('?')[0] ?? '' }),
    () => send(g, 'other-user-id', b, body, { path: `${uploadPath(g).split('?')[0]}?userId=${enc('dl_someone_else')}` }),
  ];
  return rng.pick(variants)();
}

export function uploadGenerators(): Generator[] {
  return [
    generator('upload', 'upload/valid', valid, 0.5),
    generator('upload', 'upload/size', sizes),
    generator('upload', 'upload/boundary', boundaries, 1.5),
    generator('upload', 'upload/part-headers', partHeaders, 1.5),
    generator('upload', 'upload/too-many', tooMany),
    generator('upload', 'upload/activity', activityVariants, 1.5),
    generator('upload', 'upload/file-kinds', fileKinds),
    generator('upload', 'upload/auth', auth),
    generator('upload', 'upload/transport', transport),
  ];
}
