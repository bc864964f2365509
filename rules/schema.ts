import { z } from 'zod';

/** The fixed intent ids of DESIGN.md. The classifier emits exactly one of these per message. */
export const INTENT_IDS = [
  'login.cant_login', 'login.account_inactive', 'login.password_reset', 'login.security_question',
  'account.change_email', 'account.username', 'account.profile_update', 'ip_block', 'vendor_purchase',
  'domains.connect', 'domains.limit', 'domains.system_urls', 'billing.subscription', 'billing.currency',
  'faq.checkout_languages', 'faq.webinar_limits', 'faq.certified_partners', 'support.contact', 'handoff.human',
  'none',
] as const;
export const IntentIdSchema = z.enum(INTENT_IDS);
export type IntentId = z.infer<typeof IntentIdSchema>;
/** Every id but `none`: the intents that have a tree. */
export type RoutableIntent = Exclude<IntentId, 'none'>;

/**
 * Whole-message commands that work anywhere. `resolved`: the customer sorted it out themselves ("never mind,
 * I figured it out"); `reopen`: they want the ticket they just cancelled after all ("actually, open it");
 * `done`: "no, that's all" to "anything else?", which in the middle of a form is an answer, not a goodbye;
 * `ack`: "ok", "got it" after an answer (inside a form, the open question hears it).
 */
export const CONTROL_IDS = ['greeting', 'thanks', 'bye', 'done', 'ack', 'help', 'cancel', 'restart', 'resolved', 'reopen', 'bot', 'unhelpful'] as const;
export type ControlId = (typeof CONTROL_IDS)[number];

const name = z.string().max(60).regex(/^[a-z][a-z0-9_]*$/, 'use lower_snake_case');
const regexSource = z.string().min(1).refine((s) => {
  try { new RegExp(s, 'iu'); return true; } catch { return false; }
}, 'not a valid regular expression');

export const IntentsFileSchema = z.object({
  intents: z.record(IntentIdSchema.exclude(['none']), z.object({
    tree: name,
    label: z.string().min(1).max(60),
  }).strict()),
  topics: z.array(IntentIdSchema.exclude(['none'])).min(1),
  controls: z.object(Object.fromEntries(CONTROL_IDS.map((c) => [c, z.array(regexSource).min(1)])) as
    Record<ControlId, z.ZodArray<typeof regexSource>>).strict(),
  /** Words a command may start with and still be the command ("actually never mind", "ok start over"). */
  control_lead_ins: z.array(z.string().min(1).max(30)).default([]),
  patterns: z.array(z.object({
    intent: IntentIdSchema.exclude(['none']),
    priority: z.number().int().min(0).max(1000),
    patterns: z.array(regexSource).min(1),
  }).strict()),
  other_products: z.array(z.string().min(2).max(40)).default([]),
  kartra_phrases: z.array(z.string().min(2).max(40)).default([]),
  /** Topics that, said after this one in the same message, are part of its problem, not a second one. */
  part_of: z.partialRecord(IntentIdSchema.exclude(['none']), z.array(IntentIdSchema.exclude(['none']))).default({}),
}).strict();
export type IntentsFile = z.infer<typeof IntentsFileSchema>;

export const EscalationFileSchema = z.object({
  classifier: z.object({
    clarify_below: z.number().min(0).max(1),
    reject_below: z.number().min(0).max(1),
    min_coverage: z.number().min(0).max(1),
    clarify_choices: z.number().int().min(1).max(5),
    digression_above: z.number().min(0).max(1),
  }).strict(),
  misunderstood_in_a_row: z.number().int().min(1).max(10),
  field_retries: z.number().int().min(1).max(10),
  negative_sentiment: z.object({
    below: z.number().min(-5).max(0),
    min_words: z.number().int().min(1).max(50),
    min_negative_words: z.number().int().min(1).max(10),
    /** Phrases that are frustration whatever the word scores say ("worst service ever", "locked out for 3 days"). */
    phrases: z.array(regexSource).default([]),
    /** Shouting: at least this many words of three or more letters in capitals. */
    caps_words: z.number().int().min(1).max(20).default(3),
  }).strict(),
  handoff: z.object({
    minutes_per_conversation: z.number().positive().max(240),
    /** Channels that get the Bot Framework handoff.initiate event (hosts with their own agent hub). */
    initiate_event_channels: z.array(z.string().min(1)),
    /** Channels whose handoff.status events are believed: only an agent hub's, never a customer's client. */
    status_event_channels: z.array(z.string().min(1)).refine(
      (list) => !list.some((c) => ['directline', 'webchat', 'msteams'].includes(c)),
      'directline, webchat and msteams carry what customers send: their handoff.status events cannot be trusted',
    ).default([]),
  }).strict(),
}).strict();
export type EscalationPolicy = z.infer<typeof EscalationFileSchema>;

export const FIELD_TYPES = ['text', 'email', 'ip', 'domain', 'yesno', 'choice', 'screenshot', 'support_code',
  'username'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/**
 * How a field's value is read from anything the customer writes, not only from the answer to its question
 * ("I'm at home, no VPN"): `when` matches the message; the value is `value`, or the regular expression's
 * first group (`capture`). Values found this way are used instead of asking, and shown so they can be corrected.
 */
const ExtractRuleSchema = z.object({
  when: regexSource,
  value: z.string().min(1).optional(),
}).strict();

export const FieldDefSchema = z.object({
  label: z.string().min(1).max(60),
  type: z.enum(FIELD_TYPES),
  prompt: z.string().min(1),
  /** The answer to "where do I find that?" asked at this field. */
  help: z.string().min(1).optional(),
  /** Other words customers use for this field at the summary ("change the email"). */
  aliases: z.array(z.string().min(1)).default([]),
  choices: z.array(z.string().min(1)).min(2).optional(),
  /** A choice field may take a short description that is none of the choices ("a coworking space"). */
  allow_other: z.boolean().default(false),
  /** What such a description must mention to count ("a coworking space", not "banana"). */
  other_when: regexSource.optional(),
  max_length: z.number().int().positive().max(5000).optional(),
  extract: z.array(ExtractRuleSchema).default([]),
  /** A description the customer may already have given: the message that raised the problem fills it when it says enough. */
  first_message: z.boolean().default(false),
}).strict().refine((f) => f.type !== 'choice' || f.choices !== undefined, {
  message: 'a field of type "choice" needs "choices"', path: ['choices'],
});
export type FieldDef = z.infer<typeof FieldDefSchema>;
export const FieldsFileSchema = z.record(name, FieldDefSchema);

const next = name.optional();
export const StepSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('say'), text: z.string().min(1), next }).strict(),
  z.object({ type: z.literal('answer'), article: name, next }).strict(),
  z.object({ type: z.literal('ask'), field: name, next }).strict(),
  z.object({
    type: z.literal('choice'),
    prompt: z.string().min(1),
    options: z.array(z.object({
      label: z.string().min(1).max(40),
      synonyms: z.array(z.string().min(1)).default([]),
      /** A message that describes the problem without naming an option picks this one, and is kept as its description. */
      describes: z.boolean().default(false),
      next: name,
    }).strict()).min(2).max(6),
  }).strict(),
  z.object({
    type: z.literal('confirm'), prompt: z.string().min(1), yes: name, no: name,
    /** Answers that mean yes or no without saying it ("found it, it works now"; "the link says expired"). */
    yes_when: z.array(regexSource).default([]),
    no_when: z.array(regexSource).default([]),
  }).strict(),
  z.object({
    type: z.literal('ticket'),
    department: z.string().min(1),
    subject: z.string().min(1).max(120),
    note: z.string().min(1).max(1500).optional(),
    fields: z.array(name),
    /** When the conversation already has an open ticket, add to it instead of opening a second one. */
    reuse_open: z.boolean().optional(),
    /** Show the summary to confirm or correct before opening (the hand-off's follow-up ticket does not). */
    confirm: z.boolean().default(true),
    /** Fields of tickets.yaml's always_include this ticket does without. */
    skip: z.array(name).default([]),
    next,
  }).strict(),
  z.object({ type: z.literal('escalate'), reason: name }).strict(),
  // Puts the conversation in the agents' queue at once (`text` leads the message that says who joins and when).
  z.object({ type: z.literal('handoff'), text: z.string().min(1).optional(), next }).strict(),
  z.object({ type: z.literal('goto'), intent: IntentIdSchema.exclude(['none']) }).strict(),
  z.object({ type: z.literal('end'), text: z.string().min(1).optional() }).strict(),
]);
export type Step = z.infer<typeof StepSchema>;

export const FlowFileSchema = z.object({
  id: name,
  title: z.string().min(1),
  entry: z.partialRecord(IntentIdSchema.exclude(['none']), name),
  fields: FieldsFileSchema.default({}),
  steps: z.record(name, StepSchema),
}).strict();
export type Flow = z.infer<typeof FlowFileSchema>;

export const TicketPolicySchema = z.object({
  always_include: z.array(name),
  departments: z.array(z.string().min(1).max(60)).min(1),
}).strict();
export type TicketPolicy = z.infer<typeof TicketPolicySchema>;
