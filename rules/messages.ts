import { z } from 'zod';

/**
 * Every text the bot says that is not a flow's own (prompts and answers live in flows, fields and
 * articles), with the {placeholders} each may use. The YAML catalogue (rules/messages.yaml) must give
 * each one, and may use only these placeholders: a missing text or an unknown placeholder stops start-up.
 */
const KEYS = {
  // Conversation
  greeting: [], greeting_group: ['topics'], help: [], help_mid_flow: [], greeting_mid_flow: [],
  thanks: [], thanks_mid_flow: [], bye: [], bye_mid_flow: [], cancel_nothing: [], cancelled: [], restart: [],
  resolved: [], resolved_closing: [], unhelpful: [], unhelpful_mid_flow: [], flow_changed: [], only_text: [], stale_form: [], stale_card: [], correction_kept: [], thanks_waiting: [], added_to_description: ['label'], ticket_team: ['department'], back_to_question: [], anything_else: [], next_topic: ['label'], reordered: ['label', 'after'], switched_topic: [], cancelled_form: [], vague_problem: [], are_you_a_bot: [],
  out_of_scope: [], not_understood: [], offer_person_misses: [], clarify: [], something_else: [], none_of_those: [],
  frustrated_offer: [], keep_going: [], keep_going_ack: [], talk_to_person: [], no_thanks: [], continue_in_english: [],
  follow_up_unknown: ['topic'], follow_up_quote: ['quote'],
  // Fields
  prefilled: ['values'], field_corrected: ['label', 'value'], told_you_found: ['label', 'value'], told_you_here: ['label', 'value'], told_you_missing: [],
  field_question: ['label'], field_stuck: ['reason'], field_stuck_retry: ['reason'], try_again: [], stop: [], stopped: [],
  profile_email_offer: ['email'], returning_email_offer: ['email'],
  // Choices and yes/no questions
  choice_retry: [], choice_explain: [], choice_question_unanswered: [], field_question_unanswered: [], yes_no_retry: [], choice_give_up: [], unresolved_offer: [], unresolved_offer_ticket: [], open_ticket: [], leave_it: [], left_unresolved: [],
  // Validation reasons
  no_answer: [], typed_text_needed: [], too_long: ['length', 'max'], email_incomplete: ['value'], email_missing: [], email_not_yours: ['value'],
  ip_invalid: ['value'], ip_private: ['value'], ip_reserved: ['value'], ip_not_ip: [], domain_invalid: ['value'], domain_kartra: ['value'], domain_typo: ['value', 'meant'],
  screenshot_link_too_long: ['length'], screenshot_not_image: ['type'], screenshot_missing: [], image_link_too_long: [],
  yes_no: [], choice_pick: ['choices'], choice_other: ['choices'], support_code_where: [], support_code_format: [], username_format: [], text_needs_detail: [],
  cant_find_support_code: [], support_code_not_provided: [],
  // The ticket summary
  summary_title: [], summary_pick_field: [], summary_open: [], summary_correct: [], summary_cancel: [],
  summary_text: ['subject', 'department', 'rows'], summary_retry: [], summary_no: [], summary_which_field: [],
  summary_cancelled: [], summary_again: [], ticket_opened: ['reference', 'department', 'account_email'], ticket_added: ['reference'],
  // How did it go? (asked once, at an end)
  csat_ask: [], csat_ask_agent: ['agent'], csat_ask_again: [], csat_thanks: [], csat_thanks_low: [], csat_comment_thanks: [],
  // The email the customer gets when a ticket is opened (TICKET_ACK_EMAIL)
  // "What's happening with KT-…?"
  ticket_status: ['reference', 'department', 'subject', 'opened', 'state', 'delivery'], ticket_state_open: [], ticket_state_pending: [], ticket_state_resolved: [],
  ticket_status_delivered: ['at'], ticket_status_on_its_way: [], ticket_status_kept: [],
  ticket_status_ask_email: ['reference'], ticket_status_no_match: ['reference'], ticket_status_limit: [], ticket_status_which: [], ticket_status_dropped: ['reference'],
  ack_email_subject: ['reference', 'subject'], ack_email_body: ['reference', 'subject', 'department'],
  // Hand-off
  handoff_reason_user_request: [], handoff_reason_field_retries: ['field'], handoff_reason_choice_retries: [],
  handoff_reason_negative_sentiment: [], handoff_reason_misunderstood: [], handoff_reason_not_resolved: [],
  handoff_nobody_online: [], handoff_wait: ['minutes', 'ahead'], handoff_tail: ['ticket'], handoff_waiting_ack: [],
  handoff_already_waiting: [], handoff_cancelled: ['ticket'], handoff_back: [], handoff_failed: ['ticket'], handoff_ticket_note: ['reference'],
  agent_joined: ['agent'], agent_said: ['agent', 'text'], agent_handed_back: ['agent'], agent_closed: ['agent', 'ticket'], agent_closed_ticket: ['reference'],
  // Files sent with the paperclip, and a conversation that has reached its size limit
  upload_too_large: ['name', 'limit'], upload_wrong_type: ['name', 'types'], upload_stalled: [], upload_interrupted: [],
  upload_busy_chat: [], upload_busy: [], upload_hourly: [], upload_chat_files: ['files', 'max'], upload_chat_bytes: ['limit', 'used'],
  upload_unavailable: [], conversation_full: [],
} as const satisfies Record<string, readonly string[]>;

export type MessageKey = keyof typeof KEYS;
type Vars<K extends MessageKey> = (typeof KEYS)[K][number];

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');

function text(allowed: readonly string[]) {
  return z.string().min(1).superRefine((s, ctx) => {
    for (const p of placeholders(s)) {
      if (!allowed.includes(p)) ctx.addIssue({ code: 'custom', message: `unknown placeholder {${p}}${allowed.length ? ` (this text may use ${allowed.map((a) => `{${a}}`).join(', ')})` : ' (this text takes none)'}` });
    }
  });
}

export const MessagesFileSchema = z.object({
  ...(Object.fromEntries(Object.entries(KEYS).map(([k, allowed]) => [k, text(allowed)])) as Record<MessageKey, z.ZodString>),
  /** The reply to a message in another language: the same text in that language (ISO 639-1) and in English. */
  not_english: z.record(z.string().regex(/^[a-z]{2}$/, 'use two-letter language codes'), z.string().min(1))
    .refine((m) => 'en' in m, 'needs the English text ("en")'),
}).strict();
export type MessagesFile = z.infer<typeof MessagesFileSchema>;

/** A text to say later, with its values: how modules that don't hold the catalogue name what to tell the customer. */
export type Notice = { [K in MessageKey]: Vars<K> extends never ? { key: K } : { key: K; vars: Record<Vars<K>, string | number> } }[MessageKey];

/** The catalogue: `say('ticket_opened', { reference, … })` fills the placeholders. */
export class Messages {
  constructor(private readonly file: MessagesFile) {}

  say<K extends MessageKey>(key: K, ...vars: Vars<K> extends never ? [] : [Record<Vars<K>, string | number>]): string {
    return this.fill(key, (vars[0] ?? {}) as Record<string, string | number>);
  }

  tell(notice: Notice): string {
    return this.fill(notice.key, 'vars' in notice ? notice.vars : {});
  }

  private fill(key: MessageKey, values: Record<string, string | number>): string {
    return this.file[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
  }

  /** The other-language notice: in `language` when the catalogue has it, and always in English. */
  notEnglish(language: string | undefined): string {
    const en = this.file.not_english.en ?? '';
    const own = language && language !== 'en' ? this.file.not_english[language] : undefined;
    return own ? `${own}\n\n${en}` : en;
  }
}
