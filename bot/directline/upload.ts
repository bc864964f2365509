import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import type { Notice } from '../../rules/messages';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../web/body';

export interface UploadedFile { name: string; contentType: string; data: Buffer }
export interface Upload { activity: unknown; files: UploadedFile[] }

/**
 * Why an upload was refused: a protocol fault (for the client that sent it), or something the customer
 * can act on, told in the chat from the message catalogue.
 */
export class UploadError extends Error {
  constructor(readonly status: number, readonly reason: string | Notice) { super(typeof reason === 'string' ? reason : reason.key); }
}

export const MAX_FILES = 5;
/** An upload that sends nothing for this long is cut. */
const IDLE_MS = 30_000;
const MAX_ACTIVITY_BYTES = 256 * 1024;

/** What users may send: screenshots and PDFs, recognised by their first bytes, not by what the browser claims. */
const KINDS: { type: string; label: string; magic: (b: Buffer) => boolean }[] = [
  { type: 'image/png', label: 'PNG', magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', label: 'JPEG', magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', label: 'GIF', magic: (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')) },
  { type: 'image/webp', label: 'WebP', magic: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { type: 'application/pdf', label: 'PDF', magic: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
];
export const ACCEPTED_TYPES = KINDS.map((k) => k.type);
const ACCEPTED_LABELS = `${KINDS.slice(0, -1).map((k) => k.label).join(', ')} or ${KINDS.at(-1)?.label}`;

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1).replace(/\.0+$/, '')} MB`;
}

/** The file's real type, or why it is refused (in words the user can act on). */
export function checkFile(file: UploadedFile): { ok: true; type: string } | { ok: false; reason: Notice } {
  const kind = KINDS.find((k) => k.magic(file.data));
  return kind ? { ok: true, type: kind.type } : { ok: false, reason: { key: 'upload_wrong_type', vars: { name: `“${file.name}”`, types: ACCEPTED_LABELS } } };
}

/**
 * Reads a Direct Line upload: one `activity` part (JSON, sent by Web Chat as a blob of type
 * application/vnd.microsoft.activity) and one `file` part per attachment. Refuses, with a reason, more
 * than MAX_FILES files, a file over maxBytes, or a body busboy cannot read; settles as soon as it knows,
 * so a malformed body never leaves the request hanging.
 */
export function readUpload(req: IncomingMessage, maxBytes: number): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      // One byte over the limit is where busboy stops: a file of exactly maxBytes is accepted.
      // Browsers send file names as UTF-8 ("résumé.png"); busboy's default reads them as latin1.
      bb = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fileSize: Math.max(maxBytes, MAX_ACTIVITY_BYTES) + 1, fieldSize: MAX_ACTIVITY_BYTES, files: MAX_FILES + 1, fields: 4, parts: MAX_FILES + 5 } });
    } catch {
      reject(new UploadError(400, 'An upload must be multipart/form-data.'));
      return;
    }
    let activityJson: string | undefined;
    const files: UploadedFile[] = [];
    let failure: UploadError | undefined;
    let settled = false;
    const fail = (e: UploadError) => { failure ??= e; };
    const tooLarge = (name: string | undefined) => new UploadError(413, { key: 'upload_too_large', vars: { name: name ? `“${name}”` : 'The file', limit: megabytes(maxBytes) } });
    const abort = (e: UploadError) => {
      if (settled) return;
      settled = true;
      req.unpipe(bb);
      reject(e);
    };

    bb.on('file', (field, stream, info) => {
      // A file stream errors when the body ends mid-part; unhandled, that error would stop the process.
      stream.on('error', () => abort(new UploadError(400, { key: 'upload_interrupted' })));
      if (field !== 'file' && field !== 'activity') { stream.resume(); return; }
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => { size += c.length; chunks.push(c); });
      stream.on('limit', () => fail(field === 'activity' ? new UploadError(413, 'The activity part is too large.') : tooLarge(info.filename)));
      stream.on('end', () => {
        if (failure) return;
        const data = Buffer.concat(chunks, size);
        if (field === 'activity') {
          if (data.length > MAX_ACTIVITY_BYTES) fail(new UploadError(413, 'The activity part is too large.'));
          else activityJson = data.toString('utf8');
          return;
        }
        if (data.length > maxBytes) { fail(tooLarge(info.filename)); return; }
        files.push({ name: (info.filename || 'file').slice(0, 300), contentType: info.mimeType, data });
      });
    });
    bb.on('field', (field, value, info) => {
      if (field !== 'activity') return;
      if (info.valueTruncated) fail(new UploadError(413, 'The activity part is too large.'));
      else activityJson = value;
    });
    bb.on('filesLimit', () => fail(new UploadError(413, `At most ${MAX_FILES} files can be sent at once.`)));
    bb.on('partsLimit', () => fail(new UploadError(413, 'Too many parts in this upload.')));
    bb.on('fieldsLimit', () => fail(new UploadError(413, 'Too many fields in this upload.')));
    // Busboy stops reading after an error and never closes: answer now.
    bb.on('error', () => abort(new UploadError(400, 'The upload could not be read (malformed multipart body).')));
    bb.on('close', () => {
      if (settled) return;
      settled = true;
      if (failure) { reject(failure); return; }
      if (files.length > MAX_FILES) { reject(new UploadError(413, `At most ${MAX_FILES} files can be sent at once.`)); return; }
      if (activityJson === undefined) { reject(new UploadError(400, 'The upload has no "activity" part.')); return; }
      let activity: unknown;
      if (jsonDepthExceeds(activityJson, MAX_JSON_DEPTH)) { reject(new UploadError(400, `The "activity" part is nested more than ${MAX_JSON_DEPTH} levels deep.`)); return; }
      try { activity = JSON.parse(activityJson); } catch { reject(new UploadError(400, 'The "activity" part is not valid JSON.')); return; }
      resolve({ activity, files });
    });
    req.on('aborted', () => abort(new UploadError(400, { key: 'upload_interrupted' })));
    const idle = setTimeout(() => abort(new UploadError(408, { key: 'upload_stalled' })), IDLE_MS);
    req.on('data', () => idle.refresh());
    bb.on('close', () => clearTimeout(idle));
    req.on('close', () => clearTimeout(idle));
    req.pipe(bb);
  });
}
