import { ActivityTypes, CardFactory, type Activity, type CardAction, type Middleware, type TurnContext } from 'botbuilder';

const MAX_SUGGESTED = 3;

/** Teams renders a Markdown subset: no headers or tables. Headers become bold lines, table rows plain lines. */
export function teamsMarkdown(text: string): string {
  return text.split('\n').flatMap((line) => {
    const header = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (header) return [`**${header[1]}**`];
    if (/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line)) return [];
    if (/^\s*\|.*\|\s*$/.test(line)) return [line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim()).filter(Boolean).join(' — ')];
    return [line];
  }).join('\n');
}

/**
 * Quick replies Teams cannot show as suggested actions, as an Adaptive Card 1.5 of Action.Submit buttons
 * carrying the choice (the bot reads it as the user's answer). Plain Action.Submit rather than the
 * msteams imBack extension: every Teams client, and Microsoft's Agents Playground, supports it.
 */
function choicesCard(actions: CardAction[]) {
  return CardFactory.adaptiveCard({
    type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.5',
    body: [],
    actions: actions.map((a) => ({ type: 'Action.Submit', title: a.title, data: { choice: String(a.value ?? a.title) } })),
  });
}

/**
 * Shapes what the bot sends to Teams: Markdown without headers or tables; text and attachments as
 * separate messages; suggested actions only in personal chat, at most three and never beside an
 * attachment — otherwise the choices become card buttons, so no option is lost.
 */
export class TeamsShaping implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    if (context.activity.channelId === 'msteams') {
      const personal = context.activity.conversation?.conversationType === 'personal';
      context.onSendActivities(async (_ctx, activities, send) => {
        const shaped = activities.flatMap((a) => shape(a, personal));
        activities.splice(0, activities.length, ...shaped);
        return send();
      });
    }
    await next();
  }
}

/** One outgoing activity as Teams should get it (possibly split in two). */
export function shape(a: Partial<Activity>, personal: boolean): Partial<Activity>[] {
  if (a.type !== ActivityTypes.Message) return [a];
  const text = a.text ? teamsMarkdown(a.text) : undefined;
  const actions = a.suggestedActions?.actions ?? [];
  const attachments = [...(a.attachments ?? [])];
  const keepSuggested = personal && actions.length > 0 && actions.length <= MAX_SUGGESTED && attachments.length === 0;
  if (actions.length > 0 && !keepSuggested) attachments.push(choicesCard(actions));
  const { suggestedActions: _dropped, attachments: _old, ...rest } = a;
  const out: Partial<Activity>[] = [];
  if (text) out.push({ ...rest, text, ...(keepSuggested ? { suggestedActions: a.suggestedActions } : {}) });
  if (attachments.length) out.push({ ...rest, text: undefined, attachments });
  return out.length ? out : [a];
}
