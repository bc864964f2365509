import type { z } from 'zod';

/** What was wrong with a request body, one "path: message" per problem, for a 400 answer. */
export function reasons(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
}
