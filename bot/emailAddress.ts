/** An email address as the bot accepts one in settings, tickets and lookups: name@domain.tld, nothing that could split a header. */
const PART = String.raw`[^\s<>@,;"]+@[^\s<>@,;"]+\.[^\s<>@,;"]+`;
export const EMAIL_ADDRESS = new RegExp(`^${PART}$`);
/** An address, or a display name and <address> ("Kartra bot <bot@example.com>"). */
export const NAMED_EMAIL_ADDRESS = new RegExp(`^(?:[^<>@]*<${PART}>|${PART})$`);

export const isEmailAddress = (text: string | undefined): text is string => text !== undefined && EMAIL_ADDRESS.test(text.trim());
