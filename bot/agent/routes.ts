import path from 'node:path';
import restify from 'restify';
import { z } from 'zod';
import { projectRoot } from '../../rules/projectRoot';
import { HandoffError, type HandoffService } from '../handoff/service';
import type { AgentRelay } from '../handoff/relay';
import type { Logger } from '../logger';
import { readBody } from '../web/body';
import type { PublicAddress } from '../web/publicAddress';
import { StaticAssets } from '../web/staticAssets';
import { verifySecret } from './secrets';
import type { AgentSessions } from '../store/agentSessions';
import type { DeliveryStore } from '../store/deliveries';
import type { SqlTicketStore } from '../store/tickets';
import { deliveryStatus } from '../delivery/status';
import { OUTCOME_DEFINITIONS, OUTCOMES, reportCsv } from '../analytics/outcomes';
import { periodReport, periodStart } from '../analytics/period';
import type { AnalyticsLog } from '../store/analytics';
import type { TrainingStore } from '../store/training';
import { inboxGroup, reviewInbox } from '../learning/inbox';
import { AlreadyDecided, TrainerBusy, type Learning } from '../learning/model';
import type { RulesReloader } from '../rulesReload';
import type { RuleReloadLog } from '../store/ruleReloads';
import type { PrivacyStore } from '../store/privacy';
import { IntentIdSchema, type IntentId } from '../../rules/schema';
import type { SignInThrottle } from './signInThrottle';
import { DEVICE_COOKIE, DEVICE_COOKIE_DAYS, type DeviceCookies } from './deviceCookies';
import { EMAIL_ADDRESS } from '../emailAddress';
import { reasons } from '../web/reasons';

const COOKIE = 'kt_agent';
const RECENT_TICKETS = 100;
const LoginSchema = z.object({ name: z.string().min(1).max(40), secret: z.string().min(1).max(200) }).strict();
const CustomerSchema = z.object({ email: z.string().trim().regex(EMAIL_ADDRESS, 'email: an account email address is needed').max(320), confirm: z.boolean().optional(), token: z.string().max(200).optional() }).strict();
const AssignSchema = z.object({ intent: IntentIdSchema, confirm: z.boolean().optional() }).strict();
const UndoSchema = z.object({ by: z.string().min(1).max(100), at: z.string().datetime() }).strict();
const MessageSchema = z.object({ text: z.string().trim().min(1, 'the message is empty').max(4000) }).strict();

export interface AgentRouteOptions {
  agents: { name: string; hash: string }[];
  /** Agents who may teach the bot, reload rules and export or erase customers' data; empty: every agent. */
  leads: string[];
  sessions: AgentSessions;
  handoff: HandoffService;
  relay: AgentRelay;
  tickets: SqlTicketStore;
  deliveries: DeliveryStore;
  analytics: AnalyticsLog;
  training: TrainingStore;
  learning: Learning;
  rules: RulesReloader;
  ruleReloads: RuleReloadLog;
  privacy: PrivacyStore;
  /** The topics a message can be assigned to, with their labels. */
  intents: Array<{ id: IntentId; label: string }>;
  address: PublicAddress;
  signIns: SignInThrottle;
  devices: DeviceCookies;
  log: Logger;
}

function cookie(req: restify.Request, name = COOKIE): string | undefined {
  const m = new RegExp(`(?:^|;\\s*)${name}=([\\w.-]+)`).exec(req.headers.cookie ?? '');
  return m?.[1];
}

/**
 * The agent console: sign-in, the queue, a conversation with its transcript and fields, and the actions
 * (claim, reply, typing, hand back, close). Every page, script and API but the sign-in page needs a
 * session; state-changing calls also need JSON from this origin (a cross-site form cannot send that).
 */
export function mountAgentConsole(server: restify.Server, o: AgentRouteOptions): void {
  const web = path.join(projectRoot(), 'web', 'agent');
  const security = { 'Content-Security-Policy': "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'", 'Referrer-Policy': 'same-origin' };
  const assets = new StaticAssets({
    '/agent/login': path.join(web, 'login.html'),
    '/agent/login.js': path.join(web, 'login.js'),
    '/agent/login.css': path.join(web, 'login.css'),
    '/agent': path.join(web, 'console.html'),
    '/agent/console.js': path.join(web, 'console.js'),
    '/agent/console.css': path.join(web, 'console.css'),
    '/agent/analytics': path.join(web, 'analytics.html'),
    '/agent/analytics.js': path.join(web, 'analytics.js'),
    // The package's exports hide its browser build; it sits next to the CommonJS entry point.
    '/agent/review': path.join(web, 'review.html'),
    '/agent/review.js': path.join(web, 'review.js'),
    '/agent/tables.js': path.join(web, 'tables.js'),
    '/agent/chart.js': path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
  }, () => security);
  const body = readBody({ maxBytes: 16 * 1024, accept: ['json', 'form'], required: false });
  const throttle = restify.plugins.throttle({ burst: 10, rate: 0.5, ip: true });
  const sameOrigin = (req: restify.Request) => !req.headers.origin || o.address.isOwnOrigin(req.headers.origin);

  /** The signed-in agent, or the request is answered (401 for the API, a redirect for pages). */
  const agentOf = async (req: restify.Request, res: restify.Response, api: boolean): Promise<string | undefined> => {
    const agent = await o.sessions.agent(cookie(req));
    if (agent && o.agents.some((a) => a.name === agent)) return agent;
    if (api) res.send(401, { error: 'Sign in first.' });
    else { res.header('Location', '/agent/login'); res.send(303); }
    return undefined;
  };
  const mutate = async (req: restify.Request, res: restify.Response): Promise<string | undefined> => {
    const agent = await agentOf(req, res, true);
    if (!agent) return undefined;
    if (!sameOrigin(req) || !String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      res.send(403, { error: 'Send JSON from the console itself.' });
      return undefined;
    }
    return agent;
  };
  /** A lead's change (see `leads`): 403 with the reason for anyone else. */
  const lead = async (req: restify.Request, res: restify.Response): Promise<string | undefined> => {
    const agent = await mutate(req, res);
    if (!agent || isLead(agent)) return agent;
    res.send(403, { error: 'Only a lead can do this (see LEADS).' });
    return undefined;
  };
  const isLead = (agent: string) => o.leads.length === 0 || o.leads.includes(agent);
  const act = (fn: (id: string, agent: string, req: restify.Request) => Promise<unknown>) => async (req: restify.Request, res: restify.Response) => {
    const agent = await mutate(req, res);
    if (!agent) return;
    try {
      await fn(String(req.params.id ?? ''), agent, req);
      res.send(204);
    } catch (err) {
      if (err instanceof HandoffError) { res.send(err.status, { error: err.message }); return; }
      if (err instanceof z.ZodError) { res.send(400, { error: err.issues.map((i) => i.message).join('; ') }); return; }
      throw err;
    }
  };

  for (const page of ['/agent/login', '/agent/login.js', '/agent/login.css']) server.get(page, async (req, res) => { assets.serve(page, req, res); });
  server.post('/agent/login', throttle, body, async (req, res) => {
    // A form posted from another site is refused before it counts as an attempt: a page elsewhere must not
    // be able to use up an agent's tries.
    if (!sameOrigin(req)) { res.send(403, { error: 'Sign in from the console\'s own page.' }); return; }
    const form = LoginSchema.safeParse(req.body ?? {});
    const name = form.success ? form.data.name.trim() : '';
    const attempt = { account: name, address: req.socket.remoteAddress ?? 'unknown', device: o.devices.verify(cookie(req, DEVICE_COOKIE), name) };
    const wait = o.signIns.retryAfter(attempt);
    if (wait > 0) {
      o.log.warn({ reason: 'throttled' }, 'agent sign-in refused');
      res.setHeader('Retry-After', String(wait));
      res.send(429, { error: `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} minute${wait > 60 ? 's' : ''}.` });
      return;
    }
    const agent = o.agents.find((a) => a.name.toLowerCase() === name.toLowerCase());
    // Always hash, known name or not, so timing does not tell which names exist.
    const ok = verifySecret(form.success ? form.data.secret : '', agent?.hash ?? 'scrypt$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') && agent !== undefined;
    if (!ok || !agent) {
      o.signIns.failed(attempt);
      o.log.warn({ reason: 'wrong name or secret' }, 'agent sign-in refused');
      res.header('Location', '/agent/login?failed=1');
      res.send(303);
      return;
    }
    const token = await o.sessions.create(agent.name);
    const secure = o.address.secure ? '; Secure' : '';
    res.setHeader('Set-Cookie', [
      `${COOKIE}=${token}; Path=/agent; HttpOnly; SameSite=Strict; Max-Age=${o.sessions.ttlSeconds}${secure}`,
      // This browser is now known for this agent: failed attempts from it no longer count against the account.
      `${DEVICE_COOKIE}=${o.devices.issue(agent.name)}; Path=/agent/login; HttpOnly; SameSite=Strict; Max-Age=${DEVICE_COOKIE_DAYS * 86400}${secure}`,
    ]);
    res.header('Location', '/agent');
    o.log.info({ agent: agent.name }, 'agent signed in');
    res.send(303);
  });
  server.post('/agent/logout', async (req, res) => {
    // A cross-site form must not sign an agent out (nor anything else).
    if (!sameOrigin(req)) { res.send(403, { error: 'Sign out from the console itself.' }); return; }
    const token = cookie(req);
    if (token) o.relay.endSession(o.sessions.id(token));
    await o.sessions.destroy(token);
    res.header('Set-Cookie', `${COOKIE}=; Path=/agent; HttpOnly; SameSite=Strict; Max-Age=0`);
    res.header('Location', '/agent/login');
    res.send(303);
  });

  for (const page of ['/agent', '/agent/console.js', '/agent/console.css', '/agent/analytics', '/agent/analytics.js', '/agent/chart.js', '/agent/review', '/agent/review.js', '/agent/tables.js']) {
    server.get(page, async (req, res) => { if ((await agentOf(req, res, false))) assets.serve(page, req, res); });
  }

  server.get('/agent/api/me', async (req, res) => {
    const agent = await agentOf(req, res, true);
    if (agent) res.send(200, { name: agent, lead: isLead(agent), online: await o.relay.online() });
  });
  server.get('/agent/api/queue', async (req, res) => {
    if (!(await agentOf(req, res, true))) return;
    const now = Date.now();
    res.send(200, (await o.handoff.list()).map((h) => ({
      id: h.id, status: h.status, agent: h.agent, intent: h.intent, reason: h.reason, channel: h.channel,
      ticket: h.ticketReference, waitingSeconds: Math.round((now - Date.parse(h.createdAt)) / 1000),
    })));
  });
  server.get('/agent/api/handoffs/:id', async (req, res) => {
    if (!(await agentOf(req, res, true))) return;
    try {
      const { handoff, transcript } = await o.handoff.view(String(req.params.id ?? ''));
      const { reference: _reference, ...visible } = handoff;
      res.send(200, { ...visible, transcript });
    } catch (err) {
      if (err instanceof HandoffError) res.send(err.status, { error: err.message }); else throw err;
    }
  });
  server.post('/agent/api/handoffs/:id/claim', body, act((id, agent) => o.handoff.claim(id, agent)));
  server.post('/agent/api/handoffs/:id/messages', body, act((id, agent, req) => o.handoff.say(id, agent, MessageSchema.parse(req.body ?? {}).text)));
  server.post('/agent/api/handoffs/:id/typing', body, act((id, agent) => o.handoff.typing(id, agent)));
  server.post('/agent/api/handoffs/:id/return', body, act((id, agent) => o.handoff.handBack(id, agent)));
  server.post('/agent/api/handoffs/:id/close', body, act((id, agent) => o.handoff.close(id, agent)));
  // The newest tickets and where each went: the help desk's email, the webhook, the customer's acknowledgement.
  server.get('/agent/api/tickets', async (req, res) => {
    if (!(await agentOf(req, res, true))) return;
    const tickets = await o.tickets.recent(RECENT_TICKETS);
    const deliveries = await o.deliveries.forTickets(tickets.map((t) => t.id));
    res.send(200, tickets.map((t) => ({
      reference: t.reference, subject: t.subject, department: t.department, status: t.status, channel: t.channel, createdAt: t.createdAt,
      deliveries: (deliveries.get(t.id) ?? []).map((d) => ({ id: d.id, kind: d.kind, target: d.target, status: d.status, summary: deliveryStatus(d) })),
    })));
  });
  server.post('/agent/api/deliveries/:id/retry', body, async (req, res) => {
    const agent = await mutate(req, res);
    if (!agent) return;
    const id = String(req.params.id ?? '');
    if (!(await o.deliveries.get(id))) { res.send(404, { error: 'No such delivery.' }); return; }
    if (!(await o.deliveries.retry(id))) { res.send(409, { error: 'Only a failed delivery can be retried.' }); return; }
    o.log.info({ agent, delivery: req.params.id }, 'delivery retried by an agent');
    res.send(204);
  });
  // The lead's numbers for a period (?since=24h|7d|30d|90d or a date), as JSON for the page or as CSV.
  const period = (req: restify.Request, res: restify.Response): { from: number; now: number } | undefined => {
    const now = Date.now();
    const since = String(req.query?.since ?? '7d').slice(0, 40);
    const from = periodStart(since, now);
    if (from === undefined || from > now) { res.send(400, { error: `since: "${since}" is not a period (24h, 7d, 2w) or a past date (2026-11-01)` }); return undefined; }
    return { from, now };
  };
  server.get('/agent/api/analytics', async (req, res) => {
    if (!(await agentOf(req, res, true))) return;
    const p = period(req, res);
    if (!p) return;
    const { report } = await periodReport(o.analytics, p.from, p.now, p.now);
    res.send(200, { ...report, order: OUTCOMES, definitions: OUTCOME_DEFINITIONS });
  });
  server.get('/agent/api/analytics.csv', async (req, res) => {
    if (!(await agentOf(req, res, true))) return;
    const p = period(req, res);
    if (!p) return;
    const { report } = await periodReport(o.analytics, p.from, p.now, p.now);
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="kartra-bot-${report.from.slice(0, 10)}-${report.to.slice(0, 10)}.csv"` });
    res.end(reportCsv(report));
  });
  // The review inbox: messages the bot did not understand, grouped; the lead assigns a group to a topic
  // (the classifier learns it) or ignores it.
  server.get('/agent/api/review', async (req, res) => {
    if (!(await agentOf(req, res, true))) return;
    res.send(200, { groups: await reviewInbox(o.analytics, await o.training.decidedKeys()), intents: o.intents });
  });
  server.post('/agent/api/review/:key/assign', body, async (req, res) => {
    const agent = await lead(req, res);
    if (!agent) return;
    const form = AssignSchema.safeParse(req.body ?? {});
    if (!form.success) { res.send(400, { error: reasons(form.error).join('; ') }); return; }
    const group = await inboxGroup(o.analytics, await o.training.decidedKeys(), String(req.params.key ?? ''));
    if (!group) { res.send(404, { error: 'That group is no longer in the inbox.' }); return; }
    let result;
    try {
      result = await o.learning.assign(group.members, group.texts, form.data.intent, agent, form.data.confirm ?? false);
    } catch (err) {
      if (err instanceof AlreadyDecided) { res.send(409, { error: 'That group was already decided, by another assignment.' }); return; }
      if (err instanceof TrainerBusy) { res.send(429, { error: 'Other assignments are still training; try this one again in a few seconds.' }); return; }
      o.log.error({ err }, 'review inbox: training failed, nothing was changed');
      res.send(503, { error: 'Training failed, so nothing was changed; the bot keeps its current model. Try again in a minute.' });
      return;
    }
    o.log.info({ agent, intent: form.data.intent, sentences: group.texts.length, applied: result.applied, before: result.before, after: result.after }, 'review inbox: group assigned');
    res.send(200, result);
  });
  // What the inbox taught lately, and taking a decision back.
  server.get('/agent/api/review/decisions', async (req, res) => {
    if (!(await agentOf(req, res, true))) return;
    res.send(200, await o.training.recentDecisions());
  });
  server.post('/agent/api/review/decisions/undo', body, async (req, res) => {
    const agent = await lead(req, res);
    if (!agent) return;
    const form = UndoSchema.safeParse(req.body ?? {});
    if (!form.success) { res.send(400, { error: reasons(form.error).join('; ') }); return; }
    try {
      if (!(await o.learning.undo(form.data.by, form.data.at))) { res.send(404, { error: 'There is no such decision (it may have been taken back already).' }); return; }
    } catch (err) {
      o.log.error({ err }, 'review inbox: retraining after an undo failed');
      res.send(503, { error: 'The decision was taken back, but retraining failed; the bot will retrain at its next start or assignment.' });
      return;
    }
    o.log.info({ agent, decidedBy: form.data.by, decidedAt: form.data.at }, 'review inbox: decision taken back');
    res.send(204);
  });
  server.post('/agent/api/review/:key/ignore', body, async (req, res) => {
    const agent = await lead(req, res);
    if (!agent) return;
    const group = await inboxGroup(o.analytics, await o.training.decidedKeys(), String(req.params.key ?? ''));
    if (!group) { res.send(404, { error: 'That group is no longer in the inbox.' }); return; }
    if (await o.training.decide(group.members, null, [], agent)) res.send(204);
    else res.send(409, { error: 'That group was already decided, by another assignment.' });
  });
  // Live rule changes: the last reloads (who, when, which files, why refused), and "reload now".
  server.get('/agent/api/rules/reloads', async (req, res) => {
    if (!(await agentOf(req, res, true))) return;
    res.send(200, await o.ruleReloads.recent());
  });
  server.post('/agent/api/rules/reload', body, async (req, res) => {
    const agent = await lead(req, res);
    if (!agent) return;
    const result = await o.rules.reload(agent, [], true);
    res.send(result.ok ? 200 : 422, result);
  });
  // One customer's data by their account email: everything exported, or erased (asked twice), audited.
  server.post('/agent/api/privacy/export', body, async (req, res) => {
    const agent = await lead(req, res);
    if (!agent) return;
    const form = CustomerSchema.safeParse(req.body ?? {});
    if (!form.success) { res.send(400, { error: form.error.issues.map((i) => i.message).join('; ') }); return; }
    const data = await o.privacy.export(form.data.email, agent);
    o.log.info({ agent, tickets: data.tickets.length, conversations: data.conversations.length }, 'customer data exported');
    res.setHeader('content-disposition', 'attachment; filename="customer-data.json"');
    res.send(200, data);
  });
  server.post('/agent/api/privacy/erase', body, async (req, res) => {
    const agent = await lead(req, res);
    if (!agent) return;
    const form = CustomerSchema.safeParse(req.body ?? {});
    if (!form.success) { res.send(400, { error: form.error.issues.map((i) => i.message).join('; ') }); return; }
    // Asked twice, on the server: the first request says what would go and gives a token for the second.
    if (!form.data.confirm || !form.data.token) {
      res.send(200, { preview: await o.privacy.preview(form.data.email), token: await o.privacy.confirmation(form.data.email, agent) });
      return;
    }
    if (!(await o.privacy.confirmed(form.data.token, form.data.email, agent))) {
      res.send(400, { error: 'That confirmation is for another address, another agent, or older than ten minutes: ask again.' });
      return;
    }
    const counts = await o.privacy.erase(form.data.email, agent);
    o.log.info({ agent, ...counts }, 'customer data erased');
    res.send(200, counts);
  });
  server.get('/agent/api/privacy/audit', async (req, res) => {
    const agent = await agentOf(req, res, true);
    if (!agent) return;
    if (!isLead(agent)) { res.send(403, { error: 'Only a lead can do this (see LEADS).' }); return; }
    res.send(200, await o.privacy.auditLog());
  });
  server.get('/agent/api/events', async (req, res) => {
    const agent = await agentOf(req, res, true);
    const token = cookie(req);
    if (agent && token) o.relay.subscribe(agent, o.sessions.id(token), res);
  });
}
