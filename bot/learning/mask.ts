/**
 * What a person reviewing messages sees of personal details: emails, IP addresses and codes (Support
 * Codes, ticket references) are replaced. Used in the review inbox, the training sentences it adds, and
 * anything exported from them.
 */
export function mask(text: string): string {
  return text
    .replace(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '[email]')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b/gi, '[ip]')
    .replace(/\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{2,}(?:-[A-Z0-9]+)*\b/gi, (m) => (m.length >= 5 ? '[code]' : m));
}
