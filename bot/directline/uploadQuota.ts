import type { Notice } from '../../rules/messages';
import type { FileStore } from '../store/files';

export interface UploadLimits {
  /** Files, and bytes, one conversation may store. */
  conversationFiles: number;
  conversationBytes: number;
  /** Files, and bytes, all conversations together may store. */
  totalFiles: number;
  totalBytes: number;
  /** Uploads read into memory at once, in all and from one client address. */
  concurrent: number;
  concurrentPerAddress: number;
  /** Bytes one client address may upload in an hour. */
  bytesPerAddressHour: number;
}

export type QuotaCheck = { ok: true } | { ok: false; status: 413 | 429; reason: Notice };

const HOUR_MS = 3600_000;
const MAX_ADDRESSES = 10_000;
const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/**
 * What a stranger with a token can make the server hold: how many uploads it reads at once (one per
 * conversation, a couple per address, a few dozen in all), how much one address sends in an hour, and
 * how much each conversation and the whole store keep. Refusals carry a reason the widget shows in the chat.
 */
export class UploadQuota {
  private readonly inFlight = new Set<string>();
  private readonly byAddress = new Map<string, number>();
  private readonly hourly = new Map<string, { bytes: number; resetAt: number }>();

  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly files: FileStore, readonly limits: UploadLimits, private readonly now: () => number = Date.now) {}

  /** A place to read one upload now; call the returned release when done. */
  begin(conversationId: string, address: string): { ok: true; release: () => void } | { ok: false; status: 429; reason: Notice } {
    const busy = { ok: false as const, status: 429 as const };
    if (this.inFlight.has(conversationId)) return { ...busy, reason: { key: 'upload_busy_chat' } };
    if ((this.byAddress.get(address) ?? 0) >= this.limits.concurrentPerAddress || this.inFlight.size >= this.limits.concurrent) {
      return { ...busy, reason: { key: 'upload_busy' } };
    }
    const window = this.hourly.get(address);
    if (window && window.resetAt > this.now() && window.bytes >= this.limits.bytesPerAddressHour) {
      return { ...busy, reason: { key: 'upload_hourly' } };
    }
    this.inFlight.add(conversationId);
    this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
    return {
      ok: true,
      release: () => {
        this.inFlight.delete(conversationId);
        const n = (this.byAddress.get(address) ?? 1) - 1;
        if (n > 0) this.byAddress.set(address, n); else this.byAddress.delete(address);
      },
    };
  }

  /** Counts what an address has just stored against its hourly allowance. */
  stored(address: string, bytes: number): void {
    const t = this.now();
    const window = this.hourly.get(address);
    if (window && window.resetAt > t) { window.bytes += bytes; return; }
    this.hourly.delete(address);
    this.hourly.set(address, { bytes, resetAt: t + HOUR_MS });
    if (this.hourly.size > MAX_ADDRESSES) {
      for (const [key, w] of this.hourly) if (w.resetAt <= t || this.hourly.size > MAX_ADDRESSES) this.hourly.delete(key);
    }
  }

  /**
   * Runs a check and the saves it allows one upload at a time in this process, so two uploads at once
   * cannot both pass the same check. (Across instances the totals may overshoot by what is in flight.)
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.then(() => undefined, () => undefined);
    return run;
  }

  /** Whether `count` more files of `bytes` in all (0 and 0: any more at all) may be stored for this conversation. */
  async check(conversationId: string, count: number, bytes: number): Promise<QuotaCheck> {
    const mine = await this.files.usage(conversationId);
    const l = this.limits;
    if (mine.files + Math.max(count, 1) > l.conversationFiles) return { ok: false, status: 413, reason: { key: 'upload_chat_files', vars: { files: mine.files, max: l.conversationFiles } } };
    if (mine.bytes + bytes > l.conversationBytes) return { ok: false, status: 413, reason: { key: 'upload_chat_bytes', vars: { limit: mb(l.conversationBytes), used: mb(mine.bytes) } } };
    const all = await this.files.usage();
    if (all.files + Math.max(count, 1) > l.totalFiles || all.bytes + bytes > l.totalBytes) return { ok: false, status: 429, reason: { key: 'upload_unavailable' } };
    return { ok: true };
  }
}
