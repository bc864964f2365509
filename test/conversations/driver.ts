// Plays a conversation script through a real channel stack and returns every bot message the customer
// saw after each turn: the widget's local Direct Line (every middleware, the typing indicator included)
// or Teams-shaped activities posted to /api/messages, with a stand-in Bot Connector on loopback for what
// the bot sends outside the HTTP response (profile look-ups, proactive messages).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Activity, Attachment } from 'botbuilder';
import type { App } from '../../bot/app';
import { DirectLineSession } from '../directline/session';
import type { ScriptTurn, SeenReply } from './script';

export interface ChannelDriver {
  /** Starts the conversation; resolves with the greeting(s). */
  start(): Promise<SeenReply[]>;
  turn(turn: ScriptTurn): Promise<SeenReply[]>;
  conversationId(): string;
}

interface CardContent { type?: string; body?: CardElement[]; actions?: Array<{ type?: string; title?: string; data?: Record<string, unknown> }> }
interface CardElement { type?: string; text?: string; facts?: Array<{ title?: string; value?: string }>; label?: string }

/** An Adaptive Card as text: its text blocks, facts and buttons. */
function cardText(content: CardContent): string {
  const parts: string[] = [];
  for (const el of content.body ?? []) {
    if (el.text) parts.push(el.text);
    for (const f of el.facts ?? []) parts.push(`${f.title ?? ''}: ${f.value ?? ''}`);
    if (el.label) parts.push(el.label);
  }
  for (const a of content.actions ?? []) if (a.title) parts.push(`(${a.title})`);
  return parts.join(' / ');
}

/** A card that only carries choices (how Teams gets quick replies it cannot show as suggested actions). */
function choicesOnly(att: Attachment): string[] | undefined {
  const c = att.content as CardContent | undefined;
  if (!c || (c.body ?? []).length > 0 || !(c.actions ?? []).every((a) => a.type === 'Action.Submit' && typeof a.data?.choice === 'string')) return undefined;
  return (c.actions ?? []).map((a) => a.title ?? '');
}

/** The customer's view of the bot's messages: Teams' separate choices cards are folded into the message they belong to. */
export function seen(activities: Partial<Activity>[]): SeenReply[] {
  const out: SeenReply[] = [];
  for (const a of activities) {
    if (a.type !== 'message') continue;
    const choices = (a.suggestedActions?.actions ?? []).map((x) => x.title ?? String(x.value));
    const atts = a.attachments ?? [];
    const folded = atts.length === 1 && !a.text ? choicesOnly(atts[0] as Attachment) : undefined;
    const last = out.at(-1);
    if (folded && last && last.choices.length === 0 && !last.card) { last.choices = folded; continue; }
    const cards = atts.filter((x) => x.contentType === 'application/vnd.microsoft.card.adaptive').map((x) => cardText(x.content as CardContent));
    out.push({ text: a.text ?? '', choices: folded ?? choices, ...(cards.length && !folded ? { card: cards.join(' // ') } : {}) });
  }
  return out;
}

/**
 * What a press posts, as a person clicking in Web Chat or Teams would: the data of the newest card button
 * whose data holds every value the turn names (so the card's own fields, such as its run, go back too);
 * the turn's values alone when no card on screen has such a button.
 */
function pressed(submit: Record<string, unknown>, shown: Partial<Activity>[]): Record<string, unknown> {
  const matches = (data: unknown) => typeof data === 'object' && data !== null
    && Object.entries(submit).every(([k, v]) => (data as Record<string, unknown>)[k] === v);
  for (const a of [...shown].reverse()) {
    for (const att of a.attachments ?? []) {
      const actions = (att.content as { actions?: { data?: unknown }[] } | undefined)?.actions ?? [];
      const hit = actions.find((x) => matches(x.data));
      if (hit) return { ...(hit.data as Record<string, unknown>), ...submit };
    }
  }
  return submit;
}

/** The widget: the local Direct Line, as Web Chat uses it. */
export function widget(app: App, url: string): ChannelDriver {
  let s: DirectLineSession;
  let watermark = '';
  const shown: Partial<Activity>[] = [];
  const replies = async () => {
    await app.directLine!.idle();
    const page = await s.since(watermark);
    watermark = page.watermark;
    const bot = page.activities.filter((a) => a.from?.role === 'bot');
    shown.push(...bot);
    return seen(bot);
  };
  return {
    async start() {
      s = await DirectLineSession.start(url);
      return replies();
    },
    async turn(t) {
      if ('say' in t) await s.post({ type: 'message', text: t.say });
      else if ('submit' in t) await s.post({ type: 'message', value: pressed(t.submit, shown) });
      else {
        const fd = new FormData();
        fd.append('activity', new Blob([JSON.stringify({ type: 'message', ...(t.text ? { text: t.text } : {}) })], { type: 'application/vnd.microsoft.activity' }));
        const bytes = fs.readFileSync(path.join(__dirname, 'files', t.upload));
        fd.append('file', new Blob([new Uint8Array(bytes)]), t.upload);
        const res = await fetch(`${url}/v3/directline/conversations/${s.conversationId}/upload?userId=${s.userId}`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` }, body: fd });
        if (res.status !== 200 && res.status !== 413 && res.status !== 415) throw new Error(`upload: ${res.status} ${await res.text()}`);
      }
      return replies();
    },
    conversationId: () => s.conversationId,
  };
}

/**
 * A stand-in for the Bot Connector Teams would be behind: answers profile look-ups (no email unless
 * given) and keeps what the bot posts to the conversation outside an HTTP response.
 */
export async function fakeConnector(opts: {
  /** Called for each post before it is kept; a status returned refuses the post with it (a throttle). */
  onPost?: (conversationId: string, activity: Partial<Activity>) => Promise<number | undefined>;
} = {}): Promise<{ url: string; posted: Map<string, Partial<Activity>[]>; profiles: Map<string, Record<string, string>>; close: () => void }> {
  const posted = new Map<string, Partial<Activity>[]>();
  const profiles = new Map<string, Record<string, string>>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const member = /\/v3\/conversations\/([^/]+)\/members\/([^/?]+)/.exec(req.url ?? '');
      const activity = /\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && member) {
        const profile = profiles.get(decodeURIComponent(member[1] ?? ''));
        if (!profile) { res.statusCode = 404; res.end('{"error":{"code":"MemberNotFound"}}'); return; }
        res.end(JSON.stringify({ id: decodeURIComponent(member[2] ?? ''), name: 'Teams User', ...profile }));
        return;
      }
      if (req.method === 'POST' && activity) {
        const id = decodeURIComponent(activity[1] ?? '');
        const sent = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Partial<Activity>;
        void (opts.onPost?.(id, sent) ?? Promise.resolve(undefined)).then((refused) => {
          if (refused) { res.statusCode = refused; res.end('{"error":{"code":"Throttled"}}'); return; }
          posted.set(id, [...(posted.get(id) ?? []), sent]);
          res.end(JSON.stringify({ id: crypto.randomUUID() }));
        });
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, posted, profiles, close: () => server.close() };
}

/** Teams personal chat: Teams-shaped activities posted to /api/messages (expectReplies), as the Playground does. */
export function teams(url: string, connectorUrl: string): ChannelDriver {
  const conversation = { id: `a:1${crypto.randomBytes(12).toString('base64url')}`, conversationType: 'personal', tenantId: 'tenant-1' };
  const user = { id: `29:1${crypto.randomBytes(10).toString('base64url')}`, name: 'Teams User', aadObjectId: crypto.randomUUID() };
  const bot = { id: '28:kartra-support-bot', name: 'Kartra Support' };
  const shown: Partial<Activity>[] = [];
  const post = async (activity: Record<string, unknown>) => {
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: crypto.randomUUID(), channelId: 'msteams', serviceUrl: connectorUrl, deliveryMode: 'expectReplies', timestamp: new Date().toISOString(),
        conversation, recipient: bot, channelData: { tenant: { id: 'tenant-1' } }, locale: 'en-US', ...activity,
      }),
    });
    if (res.status !== 200) throw new Error(`/api/messages: ${res.status} ${await res.text()}`);
    const replies = ((await res.json()) as { activities: Partial<Activity>[] }).activities;
    shown.push(...replies);
    return seen(replies);
  };
  return {
    start: () => post({ type: 'conversationUpdate', from: user, membersAdded: [bot] }),
    turn: (t) => {
      if ('upload' in t) throw new Error('uploads are a widget feature; list this conversation under channels: [widget]');
      return post({ type: 'message', from: user, ...('say' in t ? { text: t.say } : { value: pressed(t.submit, shown) }) });
    },
    conversationId: () => conversation.id,
  };
}
