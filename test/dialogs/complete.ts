import type { Conversation } from '../helpers';

/** Answers the two questions every ticket ends with, checks the summary, confirms, returns the reference. */
export async function finishTicket(c: Conversation, email = 'owner@example.com', code = 'AB12CD'): Promise<{ summary: string; reference: string }> {
  const codePrompt = await c.say(email);
  expect(codePrompt).toMatch(/Support Code/);
  const summary = await c.say(code);
  expect(summary).toMatch(/ticket I'll open|Please check your ticket/);
  const done = await c.say('Open the ticket');
  const reference = /KT-[A-Z0-9]{6}/.exec(done)?.[0] ?? '';
  expect(reference).not.toBe('');
  return { summary, reference };
}
