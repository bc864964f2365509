import { ActivityHandler, type ConversationState, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { extractEntities, type Entities } from '../dialogs/entities';
import type { MainDialog } from '../dialogs/mainDialog';

/** Greets new members and hands every message to the main dialog; state is saved at the end of each turn. */
export class TriageBot extends ActivityHandler {
  constructor(
    private readonly conversationState: ConversationState,
    private readonly dialog: MainDialog,
    private readonly dialogState: StatePropertyAccessor<DialogState>,
    private readonly entities: StatePropertyAccessor<Entities>,
  ) {
    super();
    this.onMessage(async (context, next) => {
      const text = context.activity.text ?? '';
      if (text) {
        const found = extractEntities(text);
        if (Object.keys(found).length) await this.entities.set(context, { ...(await this.entities.get(context, {})), ...found });
      }
      await this.dialog.run(context, this.dialogState);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const others = (context.activity.membersAdded ?? []).filter((m) => m.id !== context.activity.recipient?.id);
      if (others.length > 0) await context.sendActivity(this.dialog.greeting());
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }
}
