import type { BotAdapter, CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';

/**
 * Picks the adapter that owns a conversation for a proactive send: the local Direct Line adapter (and the
 * test adapters) by their service URL, the CloudAdapter (Azure channels, Emulator) for everything else.
 */
export class ProactiveRouter {
  private readonly byServiceUrl = new Map<string, BotAdapter>();

  constructor(private readonly cloud: CloudAdapter, private readonly appId: string) {}

  register(serviceUrl: string, adapter: BotAdapter): void {
    this.byServiceUrl.set(serviceUrl, adapter);
  }

  send = async (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> => {
    const adapter = this.byServiceUrl.get(reference.serviceUrl ?? '') ?? this.cloud;
    await adapter.continueConversationAsync(this.appId, reference, logic);
  };
}
