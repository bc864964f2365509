import type { Storage } from 'botbuilder';
import { StateStore } from '../bot/store/state';
import { SqlTicketStore } from '../bot/store/tickets';
import type { NewTicket, TicketStore } from '../bot/tickets/ticket';
import { ENGINES, freshStore } from './store/engines';

/** The contract the bot's Storage meets, on both engines. */
function storageContract(name: string, make: () => Promise<Storage>) {
  describe(`${name} Storage contract`, () => {
    it('reads back what was written, with an eTag', async () => {
      const s = await make();
      await s.write({ a: { n: 1 } });
      const { a } = await s.read(['a', 'missing']);
      expect(a).toMatchObject({ n: 1 });
      expect(typeof a.eTag).toBe('string');
    });

    it('rejects a write carrying a stale eTag, accepts the current one and "*"', async () => {
      const s = await make();
      await s.write({ k: { v: 'first' } });
      const stale = (await s.read(['k'])).k;
      await s.write({ k: { ...stale, v: 'second' } });
      await expect(s.write({ k: { ...stale, v: 'lost update' } })).rejects.toThrow(/eTag conflict/);
      const current = (await s.read(['k'])).k;
      await s.write({ k: { ...current, v: 'third' } });
      await s.write({ k: { v: 'forced', eTag: '*' } });
      expect((await s.read(['k'])).k).toMatchObject({ v: 'forced' });
    });

    it('deletes', async () => {
      const s = await make();
      await s.write({ d: { x: 1 } });
      await s.delete(['d']);
      expect(await s.read(['d'])).toEqual({});
    });
  });
}

for (const engine of ENGINES) storageContract(engine, async () => new StateStore((await freshStore(engine)).db));

function ticketContract(name: string, make: () => Promise<TicketStore>) {
  const input: NewTicket = {
    idempotencyKey: 'conv-1:run-1:ticket', department: 'Support', subject: 'IP Blocked', intent: 'ip_block', channel: 'test',
    conversationId: 'conv-1', userId: 'u1', fields: { ip_address: '203.0.113.1' }, attachments: [],
    transcript: [{ role: 'user', text: 'my ip is blocked', attachments: [], at: new Date().toISOString() }],
  };
  describe(`${name} TicketStore contract`, () => {
    it('opens a ticket with a readable reference, and the same idempotency key never opens a second one', async () => {
      const store = await make();
      const a = await store.create(input);
      expect(a.reference).toMatch(/^KT-[A-HJ-NP-Z2-9]{6}$/);
      expect(a.status).toBe('open');
      const again = await store.create(input);
      expect(again.id).toBe(a.id);
      expect(await store.list()).toHaveLength(1);
      expect(await store.byReference(a.reference)).toMatchObject({ fields: input.fields, transcript: input.transcript });
    });

    it("finds the conversation's open ticket, updates status and transcript, and refuses a bad transcript", async () => {
      const store = await make();
      const a = await store.create(input);
      expect((await store.openFor('conv-1'))?.reference).toBe(a.reference);
      const longer = [...input.transcript, { role: 'agent' as const, text: 'Unblocked it.', attachments: [], at: new Date().toISOString() }];
      expect(await store.update(a.reference, { status: 'resolved', transcript: longer })).toMatchObject({ status: 'resolved', transcript: longer });
      expect(await store.openFor('conv-1')).toBeUndefined();
      await expect(store.update(a.reference, { transcript: [{ role: 'robot' } as never] })).rejects.toThrow();
    });

    it('refuses an invalid ticket payload', async () => {
      await expect((await make()).create({ ...input, department: '' })).rejects.toThrow();
    });
  });
}

for (const engine of ENGINES) ticketContract(engine, async () => new SqlTicketStore((await freshStore(engine)).db));
