// A reader that does not keep up is dropped once its queue passes a bound, instead of growing the
// server's memory without limit; it reconnects and resumes from its watermark.
import type { ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
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
