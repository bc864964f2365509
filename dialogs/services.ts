import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { AnalyticsLog, NewEvent } from '../bot/store/analytics';
import type { TicketStore } from '../bot/tickets/ticket';
import type { HandoffService } from '../bot/handoff/service';
import type { DeliveryStore } from '../bot/store/deliveries';
import type { FileStore } from '../bot/store/files';
import type { TranscriptStore } from '../bot/store/transcripts';
import type { Brain } from '../rules';
import type { Customer, Memory } from './memory';
import type { Recognizer } from './recognizer';

/** What the dialogs need from the outside world; the bot's composition root provides it. */
export interface TriageServices {
  brain: Brain;
  /** How messages are understood: the brain's router, or a stub in tests of dialog logic. */
  recognizer: Recognizer;
  tickets: TicketStore;
  /** Where tickets went (the help desk), for "what's happening with KT-…?". */
  deliveries: Pick<DeliveryStore, 'forTickets'>;
  transcripts: TranscriptStore;
  files: FileStore;
  handoff: HandoffService;
  memory: StatePropertyAccessor<Memory>;
  /** What happens in conversations, for the lead's outcomes and review inbox. */
  analytics: Pick<AnalyticsLog, 'record'>;
  /** What is kept about the customer across conversations (user state). */
  customer: StatePropertyAccessor<Customer>;
}

/** Notes what happened in this turn's conversation for the lead's view (committed with the turn). */
export function recordEvent(services: TriageServices, context: TurnContext, e: Omit<NewEvent, 'conversationId' | 'channel'>): Promise<void> {
  return services.analytics.record({ ...e, conversationId: context.activity.conversation.id, channel: context.activity.channelId });
}
