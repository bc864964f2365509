import type { Logger } from '../logger';
import type { Store } from '../store';
import type { Notice } from '../store/events';
import type { AgentRelay } from './relay';

/**
 * The agent console's live events across instances: an agent signed in on one instance sees the queue
 * change, and the customer type and write, when the customer's conversation runs on another. Notices
 * carry ids only; the customer's words are read from the stored transcript.
 */
export class RelayAcrossInstances {
  /** The last transcript line relayed from each hand-off's conversation, on this instance. */
  private readonly relayed = new Map<string, number>();

  constructor(private readonly store: Store, private readonly relay: AgentRelay, private readonly log: Logger) {
    store.events.on('relay', (n: Notice) => { void this.received(n).catch((err: unknown) => this.log.warn({ err }, 'relayed event could not be read')); });
  }

  /** Tells the other instances; this one has published the event itself. */
  tell(event: 'queue' | 'typing' | 'message', conversationId = '', handoffId?: string): void {
    void this.store.events.publish('relay', conversationId, handoffId, event).catch((err: unknown) => this.log.warn({ err }, 'could not notify other instances'));
  }

  private async received(n: Notice): Promise<void> {
    if (n.t === 'queue') { this.relay.publish({ type: 'queue' }); return; }
    const h = n.h ? await this.store.handoffs.get(n.h) : undefined;
    if (!h) return;
    if (n.t === 'typing') { if (h.agent) this.relay.publish({ type: 'typing', handoffId: h.id }, h.agent); return; }
    // The customer's new lines; the first time this instance hears of the hand-off, the latest one.
    const after = this.relayed.get(h.id);
    const lines = (await this.store.transcripts.entries(h.conversationId, after ?? 0)).filter((l) => l.role === 'user');
    for (const line of after === undefined ? lines.slice(-1) : lines) {
      this.relay.publish({ type: 'message', handoffId: h.id, role: 'user', text: line.text, at: line.at, ...(line.attachments.length ? { attachments: line.attachments.map((x) => ({ name: x.name, ...(x.url ? { url: x.url } : {}) })) } : {}) }, h.agent);
    }
    const last = lines.at(-1)?.seq;
    if (last !== undefined) this.relayed.set(h.id, last);
  }
}
