// Live streams are bounded: in all and per address (refused before the handshake), and a reader that
// does not keep up is dropped once its queue passes a bound instead of growing the server's memory; it
// reconnects and resumes from its watermark.
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
  send(data: string): void { this.sent++; this.bufferedAmount += data.length; }
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
  it('a widget stream whose unsent bytes pass the bound is dropped; a reading one is kept', () => {
    const streams = new ActivityStreams({ ...DEFAULT_STREAM_LIMITS, maxBufferedBytes: 10_000 });
    const slow = new FakeSocket();
    const reading = new FakeSocket();
    const nothing = () => ({ activities: [], watermark: '0' });
    streams.attach('c1', slow as unknown as WebSocket, 0, nothing);
    streams.attach('c1', reading as unknown as WebSocket, 0, nothing);
    const set = { activities: [{ type: 'message', text: 'x'.repeat(1000) }], watermark: '1' };
    for (let i = 0; i < 50; i++) {
      streams.publish('c1', set);
      reading.bufferedAmount = 0; // this one's peer reads everything
    }
    expect(slow.terminated).toBe(true);
    expect(slow.sent).toBeLessThan(15);
    expect(reading.terminated).toBe(false);
    expect(reading.sent).toBe(50);
    expect(streams.count('c1')).toBe(1);
    streams.close();
  });

  it('an agent console that does not read its event stream is dropped', () => {
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
    expect(relay.online()).toBe(0);
    relay.close();
  });
});
