import type { FileStore } from '../storage/files';

export interface UploadLimits {
  /** Files, and bytes, one conversation may store. */
  conversationFiles: number;
  conversationBytes: number;
  /** Files, and bytes, all conversations together may store. */
  totalFiles: number;
  totalBytes: number;
  /** Uploads read into memory at once, across all conversations. */
  concurrent: number;
}

export type QuotaCheck = { ok: true } | { ok: false; status: 413 | 429; reason: string };

const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/**
 * What a stranger with a token can make the server hold: how many uploads it reads at once (one per
 * conversation, a few in all), and how much each conversation and the whole store keep. Refusals carry a
 * reason the widget shows in the chat.
 */
export class UploadQuota {
  private readonly inFlight = new Set<string>();

  constructor(private readonly files: FileStore, readonly limits: UploadLimits) {}

  /** A place to read one upload now; call the returned release when done. */
  begin(conversationId: string): { ok: true; release: () => void } | { ok: false; status: 429; reason: string } {
    if (this.inFlight.has(conversationId)) return { ok: false, status: 429, reason: 'Another file from this chat is still being sent. Please wait for it, then try again.' };
    if (this.inFlight.size >= this.limits.concurrent) return { ok: false, status: 429, reason: 'Too many files are being sent right now. Please try again in a minute.' };
    this.inFlight.add(conversationId);
    return { ok: true, release: () => this.inFlight.delete(conversationId) };
  }

  /** Whether `count` more files of `bytes` in all (0 and 0: any more at all) may be stored for this conversation. */
  check(conversationId: string, count: number, bytes: number): QuotaCheck {
    const mine = this.files.usage(conversationId);
    const l = this.limits;
    if (mine.files + Math.max(count, 1) > l.conversationFiles) return { ok: false, status: 413, reason: `This chat already has ${mine.files} files, the most it can hold (${l.conversationFiles}). Please paste a link instead (a Loom or TechSmith Capture link works).` };
    if (mine.bytes + bytes > l.conversationBytes) return { ok: false, status: 413, reason: `This chat can hold ${mb(l.conversationBytes)} of files and has ${mb(mine.bytes)} already. Please send a smaller file, or paste a link to it.` };
    const all = this.files.usage();
    if (all.files + Math.max(count, 1) > l.totalFiles || all.bytes + bytes > l.totalBytes) return { ok: false, status: 429, reason: 'Files cannot be received right now. Please paste a link to your screenshot instead (a Loom or TechSmith Capture link works).' };
    return { ok: true };
  }
}
