// Scripted widget customers for the reliability suite: what they write, what the bot must ask next, and
// the ticket they end with. Numbered (n) so that every conversation's answers are its own.
import type { Activity } from 'botbuilder';
import type { DirectLineSession } from './directLineClient';

export interface Turn {
  /** What the customer sends: text, or a card submit. */
  say: string | { value: Record<string, unknown> };
  /** What the bot's reply to it must show. */
  expect: RegExp;
}

export interface CustomerScript {
  name: string;
  turns: Turn[];
  /** The ticket at the end, if the script opens one: its subject and every field's value. */
  ticket?: { subject: string; fields: Record<string, string> };
}

const CONFIRM = { value: { summary: 'confirm' } };

/** The IP-block ticket: every field the help text asks for, in its order. */
export function ipBlock(n: number): CustomerScript {
  const f = {
    username: `jane_${n}`, ip_address: `198.51.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`, ip_place: 'Home',
    speed_test_screenshot: `https://www.loom.com/share/speed-${n}`, account_email: `jane.${n}@example.com`, recent_actions: `Edited page ${n} of my funnel`,
    ip_shared: 'No', block_screenshot: `https://www.loom.com/share/block-${n}`, vpn: 'Yes', support_code: `SC${n}X`,
  };
  return {
    name: 'ip block',
    turns: [
      { say: 'my IP address is blocked', expect: /username/i },
      { say: f.username, expect: /IP address that is blocked/i },
      { say: f.ip_address, expect: /kind of place/i },
      { say: f.ip_place, expect: /speed test/i },
      { say: f.speed_test_screenshot, expect: /email address of your Kartra account/i },
      { say: f.account_email, expect: /last things you did/i },
      { say: f.recent_actions, expect: /several people use/i },
      { say: 'no', expect: /screenshot of the IP block/i },
      { say: f.block_screenshot, expect: /VPN/ },
      { say: 'yes', expect: /Support Code/ },
      { say: f.support_code, expect: /Please check your ticket|ticket I'll open/ },
      { say: CONFIRM, expect: /Your ticket is open/ },
    ],
    ticket: { subject: 'IP Blocked', fields: f },
  };
}

/** A support request: the one-line details, the account email and the code. */
export function supportTicket(n: number): CustomerScript {
  const f = { details: `The editor freezes when I save page ${n}`, account_email: `sam.${n}@example.com`, support_code: `CODE${n}` };
  return {
    name: 'support ticket',
    turns: [
      { say: 'how do I contact support', expect: /support ticket/i },
      { say: 'Open a ticket', expect: /what is going wrong/i },
      { say: f.details, expect: /email address of your Kartra account/i },
      { say: f.account_email, expect: /Support Code/ },
      { say: f.support_code, expect: /Please check your ticket|ticket I'll open/ },
      { say: CONFIRM, expect: /Your ticket is open/ },
    ],
    ticket: { subject: 'Support request', fields: f },
  };
}

/** Questions the help text answers, no ticket. */
export function questions(): CustomerScript {
  return {
    name: 'questions',
    turns: [
      { say: 'hi', expect: /Kartra support assistant/ },
      { say: 'which currencies can my account use?', expect: /USD/ },
      { say: 'how many attendees can a webinar have on the professional plan', expect: /1000|1,000/ },
      { say: 'thanks', expect: /welcome/i },
    ],
  };
}

export const SCRIPTS = [ipBlock, supportTicket, () => questions()];

export function activityFor(say: Turn['say'], clientActivityID: string): Record<string, unknown> {
  return typeof say === 'string'
    ? { type: 'message', text: say, channelData: { clientActivityID } }
    : { type: 'message', value: say.value, channelData: { clientActivityID } };
}

/** The bot's messages among activities, as the customer reads them (text, or that a card came). */
export function botText(activities: Partial<Activity>[]): string {
  return activities.filter((a) => a.type === 'message' && a.from?.role === 'bot')
    .map((a) => [a.text ?? '', ...(a.attachments ?? []).map((x) => JSON.stringify(x.content ?? ''))].join(' ')).join('\n');
}

/**
 * Sends one turn and waits for the bot's answer to it; throws when the answer is not the expected one.
 * Returns the new watermark.
 */
export async function playTurn(s: DirectLineSession, turn: Turn, watermark: string, id: string, timeoutMs = 10_000): Promise<string> {
  await s.post(activityFor(turn.say, id));
  const got = await s.replies(watermark, timeoutMs);
  const said = botText(got.activities);
  if (!turn.expect.test(said)) throw new Error(`expected ${turn.expect} after ${JSON.stringify(turn.say)}, got ${JSON.stringify(said.slice(0, 300))}`);
  return got.watermark;
}
