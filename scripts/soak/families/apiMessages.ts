// POST /api/messages: the Bot Framework channel endpoint. In local mode (no MicrosoftAppId) nothing is
// authenticated, so every byte here reaches restify's body parser, the schema and the SDK's CloudAdapter.
import { bodyGenerators, generator, JSON_TYPE, rawFraming, type BodyTarget, type Gen, type Generator, type HttpDraft } from '../kit';
import { JSON_LIMIT, jsonBytes } from '../payloads';

const PATH = '/api/messages';

const TEXTS = ['hi', 'my IP is blocked', 'talk to a human', 'I forgot my password', 'cancel', 'start over', 'help'];

/** A valid activity; expectReplies keeps the SDK from calling serviceUrl (no outbound request per case). */
function activity(g: Gen): Record<string, unknown> {
  const { rng } = g;
  return {
    type: 'message', id: rng.word(10), text: rng.pick(TEXTS), channelId: 'emulator', deliveryMode: 'expectReplies',
    serviceUrl: 'http://localhost', locale: 'en-US', conversation: { id: `fuzz-${rng.word(12)}` },
    from: { id: `user-${rng.word(8)}`, name: 'Fuzz' }, recipient: { id: 'bot', name: 'Bot' },
    value: {}, channelData: {}, attachments: [{ contentType: 'text/plain', name: 'a.txt', content: 'x' }], entities: [{ type: 'ClientCapabilities' }],
  };
}

const target: BodyTarget = {
  family: 'api-messages',
  label: 'messages',
  path: () => PATH,
  headers: () => ({}),
  template: activity,
  fields: ['text', 'type', 'id', 'channelId', 'serviceUrl', 'locale', 'deliveryMode', 'name', 'replyToId', 'localTimezone', 'conversation.id',
    'from.id', 'from.name', 'recipient.id', 'recipient.name', 'value.state', 'channelData.clientActivityID', 'attachments.0.name',
    'attachments.0.contentType', 'attachments.0.contentUrl', 'entities.0.type'],
  freeFields: ['value', 'channelData', 'attachments.0.content', 'entities.0.data', 'conversation.properties', 'from.properties'],
  limit: JSON_LIMIT,
};

/** Activity types and shapes the bot branches on (Teams invokes, member changes, hand-off events). */
function activityShape(g: Gen): HttpDraft {
  const { rng } = g;
  const base = activity(g);
  const shapes: readonly [string, Record<string, unknown>][] = [
    ['invoke-adaptive-card', { type: 'invoke', name: 'adaptiveCard/action', channelId: 'msteams', value: { action: { type: 'Action.Execute', verb: rng.word(5), data: { x: 1 } } } }],
    ['invoke-unknown', { type: 'invoke', name: rng.word(20), value: null }],
    ['invoke-signin', { type: 'invoke', name: 'signin/verifyState', value: { state: '1234' } }],
    ['conversation-update-1000-members', { type: 'conversationUpdate', membersAdded: Array.from({ length: 1000 }, (_, i) => ({ id: `m${i}`, name: `M${i}` })) }],
    ['conversation-update-removed', { type: 'conversationUpdate', membersRemoved: [{ id: 'bot' }] }],
    ['installation-update', { type: 'installationUpdate', action: rng.pick(['add', 'remove', 'add-upgrade', '']) }],
    ['message-reaction', { type: 'messageReaction', reactionsAdded: [{ type: 'like' }], replyToId: 'nope' }],
    ['handoff-status', { type: 'event', name: 'handoff.status', value: { state: rng.pick(['accepted', 'completed', 'failed', 'bogus']) } }],
    ['end-of-conversation', { type: 'endOfConversation', code: 'userCancelled' }],
    ['trace', { type: 'trace', label: 'x', valueType: 'y', value: {} }],
    ['teams-channel-mention', { channelId: 'msteams', text: '<at>Bot</at> hi', conversation: { id: `19:${rng.word(10)}@thread.tacv2`, conversationType: 'channel', isGroup: true }, entities: [{ type: 'mention', mentioned: { id: 'bot', name: 'Bot' }, text: '<at>Bot</at>' }] }],
    ['message-no-text', { text: undefined, value: { action: 'submit', field: 'email', email: 'x@example.com' } }],
    ['unknown-type', { type: `x-${rng.word(6)}` }],
    ['card-submit-unknown', { text: undefined, value: { action: 'confirm', fields: Array.from({ length: 500 }, (_, i) => i) } }],
  ];
  const [label, shape] = rng.pick(shapes);
  return { variant: label, method: 'POST', path: PATH, headers: JSON_TYPE, body: jsonBytes({ ...base, ...shape }) };
}

/**
 * Without expectReplies the SDK posts the replies to serviceUrl. Only loopback and malformed URLs: enough to
 * see how a failed outbound call is answered, without the server reaching anything outside this machine.
 */
function serviceUrl(g: Gen): HttpDraft {
  const url = g.rng.pick(['http://127.0.0.1:9/', 'http://[::1]:9/', 'not a url', '', 'file:///etc/passwd', 'javascript:alert(1)', 'http://localhost:0', 'http://%zz/', 'ftp://127.0.0.1/']);
  const mode = g.rng.pick([undefined, 'normal', 'notification', 'bogus']);
  const body = { ...activity(g), serviceUrl: url, deliveryMode: mode };
  return { variant: `${url || 'empty'}/${mode ?? 'no-mode'}`, method: 'POST', path: PATH, headers: JSON_TYPE, body: jsonBytes(body) };
}

export function apiMessagesGenerators(): Generator[] {
  return [
    ...bodyGenerators(target),
    generator('api-messages', 'messages/activity-shape', activityShape, 2),
    generator('api-messages', 'messages/service-url', serviceUrl),
    generator('api-messages', 'messages/raw-framing', (g) => rawFraming(g, PATH, [], jsonBytes(activity(g)))),
  ];
}
