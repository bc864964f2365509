import { MessageFactory, type Activity, type TurnContext } from 'botbuilder';

/** Quick replies offered by more than one dialog. */
export const TRY_AGAIN = 'Try again';

/** Makes user-supplied text inert inside a Markdown message: it is shown, never interpreted. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, '\\$&');
}

/** Fills {name} placeholders from collected fields; unknown names stay visible rather than vanish. */
export function fill(template: string, values: Record<string, string>, escape = false): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = values[name];
    return v === undefined ? whole : escape ? escapeMarkdown(v) : v;
  });
}

const CARD_CHANNELS = new Set(['webchat', 'directline', 'emulator', 'msteams']);
/** Channels that render Adaptive Cards; others get the same content as text. */
export function supportsCards(context: TurnContext): boolean {
  return CARD_CHANNELS.has(context.activity.channelId);
}

/** Text with quick-reply buttons (numbered choices in the terminal chat). */
export function withChoices(text: string, choices: string[]): Partial<Activity> {
  return choices.length ? MessageFactory.suggestedActions(choices, text) : MessageFactory.text(text);
}

/** A thumbs-up or the like, alone: a thank-you (after an answer, where the rating is asked). */
export const THANKS_EMOJI = /👍|👌|✅|🙏|👏|🙂|😊|😀|😃|❤/u;
