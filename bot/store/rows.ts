import { z } from 'zod';

/** Parses a JSON column with its schema: a row that does not fit fails loudly, naming the column. */
export function parseJson<T>(column: string, text: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`stored ${column} is not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`stored ${column} does not fit its schema: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

export const JsonObject = z.record(z.string(), z.unknown());
export const StringRecord = z.record(z.string(), z.string());

export const nowIso = (now: () => number = Date.now): string => new Date(now()).toISOString();
