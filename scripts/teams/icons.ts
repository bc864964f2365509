import zlib from 'node:zlib';

type Rgba = [number, number, number, number];

/** A minimal PNG encoder (RGBA, 8 bits, no filtering): enough for two generated icons, no dependency. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * (width * 4 + 1) + 1 + x * 4);
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Width and height from a PNG's header. */
export function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Inside a chat bubble (rounded box with a tail at the bottom left), in units of the icon's size. */
function inBubble(u: number, v: number): boolean {
  const [l, t, r, b, rad] = [0.2, 0.24, 0.8, 0.66, 0.08];
  const cx = Math.min(Math.max(u, l + rad), r - rad);
  const cy = Math.min(Math.max(v, t + rad), b - rad);
  const inBox = u >= l && u <= r && v >= t && v <= b && (u - cx) ** 2 + (v - cy) ** 2 <= rad ** 2;
  const inTail = v >= b - 0.01 && v <= 0.8 && u >= 0.3 && u <= 0.3 + (0.8 - v) * 1.2 - 0.02;
  return inBox || inTail;
}

function hex(color: string): [number, number, number] {
  const n = Number.parseInt(color.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** 192x192 full-colour icon: a white chat bubble on the accent colour. */
export function colorIcon(accent: string): Buffer {
  const [r, g, b] = hex(accent);
  return encodePng(192, 192, (x, y) => (inBubble((x + 0.5) / 192, (y + 0.5) / 192) ? [255, 255, 255, 255] : [r, g, b, 255]));
}

/** 32x32 outline icon: the bubble's outline in white on transparent, as Teams requires. */
export function outlineIcon(): Buffer {
  const at = (x: number, y: number) => inBubble((x + 0.5) / 32, (y + 0.5) / 32);
  return encodePng(32, 32, (x, y) => {
    const edge = at(x, y) && [[-2, 0], [2, 0], [0, -2], [0, 2]].some(([dx = 0, dy = 0]) => !at(x + dx, y + dy));
    return edge ? [255, 255, 255, 255] : [0, 0, 0, 0];
  });
}
