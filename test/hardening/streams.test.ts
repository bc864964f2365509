// Live streams are bounded: in all and per address (refused before the handshake), and a reader that
// does not keep up holds at most one page of the server's memory (the next is read from the store once it
// has taken the last); it reconnects and resumes from its watermark.
import type { ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { AgentRelay } from '../../bot/handoff/relay';
import { ActivityStreams, DEFAULT_STREAM_LIMITS } from '../../bot/directline/streams';

class FakeSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  sent = 0;
  terminated = false;
  /** Pages written out to the peer when it reads (`drain`); until then their callbacks wait. */
  private waiting: Array<() => void> = [];
  send(data: string, done?: (err?: Error) => void): void {
    this.sent++;
    this.bufferedAmount += data.length;
    if (done) this.waiting.push(() => done());
  }
  drain(): void { this.bufferedAmount = 0; const w = this.waiting; this.waiting = []; for (const f of w) f(); }
  terminate(): void { this.terminated = true; this.readyState = WebSocket.CLOSED; this.emit('close'); }
  ping(): void {}
  close(): void { this.terminate(); }
}

describe('stream limits', () => {
  it('refuses streams past the total (503) and past one address\'s share (429); a closed one frees its place', () => {
    const streams = new ActivityStreams({ ...DEFAULT_STREAM_LIMITS, total: 3, perAddress: 2 });
    const sockets = Array.from({ length: 4 }, () => new EventEmitter());
    expect(streams.admit('203.0.113.1', sockets[0] as unknown as Duplex)).toEqual({ ok: true });
    expect(streams.admit('203.0.113.1', sockets[1] as unknown as Duplex)).toEqual({ ok: true });
    expect(streams.admit('203.0.113.1', sockets[2] as unknown as Duplex)).toMatchObject({ ok: false, status: 429 });
    expect(streams.admit('198.51.100.1', sockets[2] as unknown as Duplex)).toEqual({ ok: true });
    expect(streams.admit('198.51.100.2', sockets[3] as unknown as Duplex)).toMatchObject({ ok: false, status: 503 });
    sockets[0]?.emit('close');
    expect(streams.admit('198.51.100.2', sockets[3] as unknown as Duplex)).toEqual({ ok: true });
    streams.close();
  });
});

describe('slow readers', () => {
  it('a widget stream that does not read holds one page, however much is stored; a reading one gets it all, in order', async () => {
    const streams = new ActivityStreams(DEFAULT_STREAM_LIMITS);
    const slow = new FakeSocket();
    const reading = new FakeSocket();
    const history: Array<{ type: string; text: string }> = [];
    const read = async (w: number) => ({ activities: history.slice(w, w + 10), watermark: String(Math.min(history.length, w + 10)) });
    streams.attach('c1', slow as unknown as WebSocket, 0, read);
    streams.attach('c1', reading as unknown as WebSocket, 0, read);
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 50; i++) {
      history.push({ type: 'message', text: `m${i}` });
      streams.notify('c1');
      await settle();
      reading.drain(); // this one's peer reads everything
      await settle();
    }
    expect(slow.sent).toBe(1);
    expect(reading.sent).toBeGreaterThanOrEqual(5);
    reading.drain();
    await settle();
    slow.drain();
    for (let i = 0; i < 10; i++) { await settle(); slow.drain(); }
    expect(slow.sent).toBe(6); // caught up page by page once it read: 1 + 50/10
    streams.close();
  });

  it('an agent console that does not read its event stream is dropped', async () => {
    const relay = new AgentRelay();
    const res = Object.assign(new EventEmitter(), {
      writableLength: 0, ended: false,
      writeHead() { return res; },
      write(chunk: string) { res.writableLength += chunk.length; return false; },
      end() { res.ended = true; },
      destroy() { res.ended = true; },
    });
    relay.subscribe('Maria', 's1', res as unknown as ServerResponse);
    for (let i = 0; i < 2000 && !res.ended; i++) relay.publish({ type: 'message', handoffId: 'h', role: 'user', text: 'y'.repeat(1000), at: '' });
    expect(res.ended).toBe(true);
    expect(await relay.online()).toBe(0);
    relay.close();
  });
});
