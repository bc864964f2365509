import { WebSocket } from 'ws';
import type { ActivitySet } from './conversationStore';

const PING_EVERY_MS = 30_000;
/** Tabs open on one conversation; past this the oldest stream is closed (its page reconnects if still there). */
const MAX_STREAMS_PER_CONVERSATION = 10;

/**
 * The open WebSocket streams of each conversation. Every message is an ActivitySet, as Direct Line sends;
 * sockets that stop answering pings are dropped (the client reconnects with its watermark).
 */
export class ActivityStreams {
  private readonly byConversation = new Map<string, Set<WebSocket>>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly pinger: NodeJS.Timeout;

  constructor() {
    this.pinger = setInterval(() => this.ping(), PING_EVERY_MS);
    this.pinger.unref();
  }

  /** Sends what the client missed, then keeps it up to date. Synchronous, so nothing slips in between. */
  attach(conversationId: string, ws: WebSocket, backlog: ActivitySet): void {
    let set = this.byConversation.get(conversationId);
    if (!set) this.byConversation.set(conversationId, (set = new Set()));
    if (set.size >= MAX_STREAMS_PER_CONVERSATION) [...set][0]?.close(1008, 'too many streams for one conversation');
    set.add(ws);
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    // The client sends an empty keep-alive now and then and nothing else; nothing it sends is read.
    ws.on('close', () => {
      set.delete(ws);
      if (set.size === 0 && this.byConversation.get(conversationId) === set) this.byConversation.delete(conversationId);
    });
    ws.on('error', () => ws.terminate());
    if (backlog.activities.length > 0) send(ws, backlog);
  }

  publish(conversationId: string, set: ActivitySet): void {
    for (const ws of this.byConversation.get(conversationId) ?? []) send(ws, set);
  }

  count(conversationId: string): number {
    return this.byConversation.get(conversationId)?.size ?? 0;
  }

  close(): void {
    clearInterval(this.pinger);
    for (const set of this.byConversation.values()) for (const ws of set) ws.close(1001, 'server shutting down');
    this.byConversation.clear();
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

function send(ws: WebSocket, set: ActivitySet): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(set));
}
