import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { DeliveryFailure, networkReason } from './failure';
import { channelName, plain, type TicketPayload } from './payload';
import { isEmailAddress } from '../emailAddress';


export interface EmailSettings { smtpUrl: string; from: string; timeoutMs: number }
export interface FileBytes { filename: string; contentType: string; content: Buffer }

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const who = (role: string) => (role === 'user' ? 'Customer' : role === 'agent' ? 'Agent' : 'Bot');
const time = (iso: string) => iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');

/** The domain Message-IDs are made in: the sender's. */
function domainOf(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'kartra-triage-bot.invalid';
}

/** The help desk's copy of a ticket: the subject as the help text gives it, the customer as Reply-To. */
export function ticketEmail(t: TicketPayload, to: string, from: string, files: FileBytes[]): Mail.Options {
  const email = t.fields.find((f) => f.name === 'account_email')?.value;
  const attached = new Set(files.map((f) => f.filename));
  const lines = [
    `Ticket ${t.reference} · ${t.department} · opened in ${channelName(t.channel)} on ${time(t.createdAt)}`,
    '',
    ...t.fields.map((f) => `${f.label}: ${f.value}`),
    ...(t.note ? ['', `Note: ${t.note}`] : []),
    ...(t.attachments.length ? ['', 'Files:', ...t.attachments.map((a) => `- ${a.name}${attached.has(a.name) ? ' (attached)' : `: ${a.url}`}`)] : []),
    '',
    'Conversation',
    '------------',
    ...t.transcript.map((e) => `[${time(e.at)}] ${who(e.role)}: ${e.role === 'user' ? e.text : plain(e.text)}`),
  ];
  const html = [
    `<p><strong>Ticket ${escapeHtml(t.reference)}</strong> · ${escapeHtml(t.department)} · opened in ${escapeHtml(channelName(t.channel))} on ${escapeHtml(time(t.createdAt))}</p>`,
    '<table cellpadding="4" style="border-collapse:collapse">',
    ...t.fields.map((f) => `<tr><th align="left" valign="top">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`),
    '</table>',
    ...(t.note ? [`<p>Note: ${escapeHtml(t.note)}</p>`] : []),
    ...(t.attachments.length ? ['<p>Files:</p><ul>', ...t.attachments.map((a) => `<li>${escapeHtml(a.name)}${attached.has(a.name) ? ' (attached)' : `: ${escapeHtml(a.url)}`}</li>`), '</ul>'] : []),
    '<h3>Conversation</h3>',
    ...t.transcript.map((e) => `<p><small>${escapeHtml(time(e.at))}</small> <strong>${who(e.role)}:</strong> ${escapeHtml(e.role === 'user' ? e.text : plain(e.text)).replace(/\n/g, '<br>')}</p>`),
  ];
  return {
    from, to, subject: t.subject,
    ...(isEmailAddress(email) ? { replyTo: email } : {}),
    messageId: `<${t.reference.toLowerCase()}.ticket@${domainOf(from)}>`,
    headers: { 'X-Kartra-Ticket': t.reference, 'X-Kartra-Department': t.department },
    text: lines.join('\n'),
    html: html.join('\n'),
    attachments: [
      ...files.map((f) => ({ filename: f.filename, content: f.content, contentType: f.contentType })),
      { filename: `${t.reference}.json`, content: JSON.stringify(t, null, 2), contentType: 'application/json' },
    ],
  };
}

/** The customer's copy: the reference and what happens next; a reply to it reaches the help desk. */
export function acknowledgementEmail(t: TicketPayload, to: string, from: string, replyTo: string | undefined, subject: string, body: string): Mail.Options {
  return {
    from, to, subject, ...(replyTo ? { replyTo } : {}),
    messageId: `<${t.reference.toLowerCase()}.ack@${domainOf(from)}>`,
    headers: { 'X-Kartra-Ticket': t.reference, 'Auto-Submitted': 'auto-generated' },
    text: plain(body),
    html: `<p>${escapeHtml(plain(body)).replace(/\n\n/g, '</p><p>').replace(/\n/g, '<br>')}</p>`,
  };
}

/** A person's reading of what nodemailer threw, and whether another try can help. */
export function smtpFailure(err: unknown): DeliveryFailure {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const said = (e.response ?? e.message ?? '').split('\n')[0]?.slice(0, 200) ?? '';
  if (typeof e.responseCode === 'number') {
    // 5xx is final, except a refused sign-in (535), which the operator fixes in SMTP_URL.
    const permanent = e.responseCode >= 500 && e.responseCode !== 535 && e.code !== 'EAUTH';
    return new DeliveryFailure(`mail server answered: ${said}`, permanent);
  }
  if (e.code === 'EENVELOPE') return new DeliveryFailure(`mail server: ${said}`, true);
  if (e.code === 'EAUTH') return new DeliveryFailure(`mail server: sign-in refused (check the user and password in SMTP_URL): ${said}`, false);
  return new DeliveryFailure(`mail server: ${networkReason(err)}`, false);
}

/** One SMTP server, from SMTP_URL. A connection per message: a server that comes back is simply used again. */
export class EmailSender {
  private readonly transport: Transporter;

  constructor(readonly settings: EmailSettings) {
    const url = new URL(settings.smtpUrl);
    const secure = url.protocol === 'smtps:';
    this.transport = nodemailer.createTransport({
      host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (secure ? 465 : 587), secure,
      ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
      connectionTimeout: settings.timeoutMs, greetingTimeout: settings.timeoutMs, socketTimeout: settings.timeoutMs,
    });
  }

  async send(message: Mail.Options): Promise<void> {
    try {
      await this.transport.sendMail(message);
    } catch (err) {
      throw smtpFailure(err);
    }
  }

  close(): void {
    this.transport.close();
  }
}
