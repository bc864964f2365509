import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { ActivitySet } from '../store/directLine';

const PING_EVERY_MS = 30_000;

export interface StreamLimits {
  /** Tabs open on one conversation; past this the oldest stream is dropped (its page reconnects if still there). */
  perConversation: number;
  /** Streams from one client address; past this new ones are refused. */
  perAddress: number;
  /** Streams in all; past this new ones are refused. */
  total: number;
  /** Bytes queued for one reader that does not keep up; past this it is dropped and resumes from its watermark. */
  maxBufferedBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perConversation: 10, perAddress: 50, total: 5000, maxBufferedBytes: 1024 * 1024 };

export type Admission = { ok: true } | { ok: false; status: number; reason: string };

interface Reader { watermark: number; read: (watermark: number) => Promise<ActivitySet>; reading: boolean; again: boolean; ephemeral: object[] }

/**
 * The open WebSocket streams of each conversation. Every message is an ActivitySet, as Direct Line sends;
 * sockets that stop answering pings, or read too slowly, are dropped (the client reconnects with its
 * watermark). A stream takes its place when the upgrade request is admitted, before the handshake, so
 * opening many at once cannot slip past the limits.
 */
export class ActivityStreams {
  private readonly byConversation = new Map<string, Set<WebSocket>>();
  private readonly byAddress = new Map<string, number>();
  private total = 0;
  private readonly alive = new WeakSet<WebSocket>();
  /** Each stream's reader: where it is in the history, and whether it is reading now. */
  private readonly readers = new WeakMap<WebSocket, Reader>();
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS) {
    this.pinger = setInterval(() => this.ping(), PING_EVERY_MS);
    this.pinger.unref();
  }

  /**
   * Reserves a place for a stream about to be opened on this socket, or says why not. The place is
   * given back when the socket closes, whether or not the handshake completed.
   */
  admit(address: string, socket: Duplex): Admission {
    if (this.total >= this.limits.total) return { ok: false, status: 503, reason: 'Too many open streams on this server' };
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (fromAddress >= this.limits.perAddress) return { ok: false, status: 429, reason: 'Too many open streams from this address' };
    this.total++;
    this.byAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.total--;
      const n = (this.byAddress.get(address) ?? 1) - 1;
      if (n > 0) this.byAddress.set(address, n); else this.byAddress.delete(address);
    });
    return { ok: true };
  }

  /**
   * Sends what the client missed, a page at a time (each page once the previous one is written out, so a
   * long history never piles up in memory), then whatever is stored after it each time `notify` says the
   * conversation has something new, read from the store: the history is the one source, so a stream on
   * this instance gets what another instance stored, in order, once.
   */
  attach(conversationId: string, ws: WebSocket, from: number, read: (watermark: number) => Promise<ActivitySet>): void {
    let set = this.byConversation.get(conversationId);
    if (!set) this.byConversation.set(conversationId, (set = new Set()));
    const members = set;
    // Room for this one: drop the oldest at once (a polite close would keep it counted until the peer answers).
    for (const oldest of members) {
      if (members.size < this.limits.perConversation) break;
      members.delete(oldest);
      oldest.terminate();
    }
    members.add(ws);
    this.alive.add(ws);
    this.readers.set(ws, { watermark: from, read, reading: false, again: false, ephemeral: [] });
    ws.on('pong', () => this.alive.add(ws));
    // The client sends an empty keep-alive now and then and nothing else; nothing it sends is read.
    ws.on('close', () => {
      members.delete(ws);
      if (members.size === 0 && this.byConversation.get(conversationId) === members) this.byConversation.delete(conversationId);
    });
    ws.on('error', () => ws.terminate());
    void this.pump(ws);
  }

  /** The conversation has new stored activities: every stream on it reads on from its watermark. */
  notify(conversationId: string): void {
    for (const ws of this.byConversation.get(conversationId) ?? []) void this.pump(ws);
  }

  /** Every stream reads on (after live notices were interrupted). */
  notifyAll(): void {
    for (const id of this.byConversation.keys()) this.notify(id);
  }

  /**
   * Sends something that is not history (a typing indicator) to the conversation's streams: at once, or,
   * to one that is sending a page of history, right after that page (so it follows what came before it).
   */
  publishEphemeral(conversationId: string, activity: object): void {
    for (const ws of this.byConversation.get(conversationId) ?? []) {
      const reader = this.readers.get(ws);
      if (!reader) continue;
      if (reader.reading) { if (reader.ephemeral.length < 10) reader.ephemeral.push(activity); } else this.send(ws, { activities: [activity], watermark: String(reader.watermark) });
    }
  }

  private flushEphemeral(ws: WebSocket, reader: Reader): void {
    const waiting = reader.ephemeral.splice(0);
    if (waiting.length) this.send(ws, { activities: waiting, watermark: String(reader.watermark) });
  }

  /** One reader per stream at a time; a notify while it reads makes it read once more when done. */
  private async pump(ws: WebSocket): Promise<void> {
    const reader = this.readers.get(ws);
    if (!reader) return;
    if (reader.reading) { reader.again = true; return; }
    reader.reading = true;
    try {
      for (;;) {
        if (ws.readyState !== WebSocket.OPEN) return;
        reader.again = false;
        const page = await reader.read(reader.watermark);
        if (page.activities.length === 0) { if (reader.again) continue; return; }
        if (ws.bufferedAmount > this.limits.maxBufferedBytes) { ws.terminate(); return; }
        await new Promise<void>((resolve, reject) => ws.send(JSON.stringify(page), (err) => (err ? reject(err) : resolve())));
        reader.watermark = Number(page.watermark);
        this.flushEphemeral(ws, reader);
      }
    } catch {
      ws.terminate();
    } finally {
      reader.reading = false;
      if (ws.readyState === WebSocket.OPEN) this.flushEphemeral(ws, reader);
    }
  }

  count(conversationId?: string): number {
    return conversationId === undefined ? this.total : this.byConversation.get(conversationId)?.size ?? 0;
  }

  close(): void {
    clearInterval(this.pinger);
    for (const set of this.byConversation.values()) for (const ws of set) ws.close(1001, 'server shutting down');
    this.byConversation.clear();
  }

  private send(ws: WebSocket, set: ActivitySet): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.limits.maxBufferedBytes) { ws.terminate(); return; }
    ws.send(JSON.stringify(set));
  }

  private ping(): void {
    for (const set of this.byConversation.values()) {
      for (const ws of set) {
        if (!this.alive.has(ws)) { ws.terminate(); continue; }
        this.alive.delete(ws);
        ws.ping();
      }
    }
  }
}
