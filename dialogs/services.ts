import type { StatePropertyAccessor } from 'botbuilder';
import type { TicketStore } from '../bot/tickets/ticket';
import type { HandoffService } from '../bot/handoff/service';
import type { FileStore } from '../bot/storage/files';
import type { TranscriptStore } from '../bot/storage/transcripts';
import type { Brain } from '../rules';
import type { Entities } from './entities';

/** What the dialogs need from the outside world; the bot's composition root provides it. */
export interface TriageServices {
  brain: Brain;
  tickets: TicketStore;
  transcripts: TranscriptStore;
  files: FileStore;
  handoff: HandoffService;
  entities: StatePropertyAccessor<Entities>;
  misses: StatePropertyAccessor<number>;
}
