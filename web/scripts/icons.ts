// `node web/scripts/icons.ts`: draws the app's PNG icons (web/public/icon-*.png) from the same
// shapes as favicon.svg: a cup on the café's brown. The files are committed; run it again only
// when the design changes. Plain Node (zlib for PNG's deflate and CRC), no image library.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

type Rgb = [number, number, number];
const brown: Rgb = [0x5b, 0x2e, 0x14];
const cream: Rgb = [0xfb, 0xf7, 0xf2];
const steam: Rgb = [0xf0, 0xc9, 0xa4];

/** The colour at a point of the 64×64 design, or none outside the icon's rounded square. */
function colourAt(x: number, y: number, fullBleed: boolean): Rgb | undefined {
  const corner = 14;
  const cx = Math.min(Math.max(x, corner), 64 - corner);
  const cy = Math.min(Math.max(y, corner), 64 - corner);
  if (!fullBleed && (x - cx) ** 2 + (y - cy) ** 2 > corner ** 2) return undefined;
  // A maskable icon keeps its picture inside the middle 80 %: shrink the drawing around the centre.
  const scale = fullBleed ? 0.8 : 1;
  const u = 32 + (x - 32) / scale;
  const v = 32 + (y - 32) / scale;
  const inCup =
    (u >= 16 && u <= 44 && v >= 24 && v <= 38) ||
    (v > 38 &&
      v <= 50 &&
      ((u - 28) ** 2 + (v - 38) ** 2 <= 144 ||
        (u - 32) ** 2 + (v - 38) ** 2 <= 144 ||
        (u >= 28 && u <= 32)) &&
      u >= 16 &&
      u <= 44);
  if (inCup) return cream;
  const handle = Math.hypot(u - 44, v - 34);
  if (u > 44 && handle >= 4 && handle <= 8) return cream;
  const wisp = (left: number) =>
    v >= 12 && v <= 20 && Math.abs(u - (left + 2 + 2 * Math.sin((v - 12) / 2.5))) <= 1.5;
  if (wisp(24) || wisp(32)) return steam;
  return brown;
}

function png(size: number, fullBleed: boolean): Buffer {
  const samples = 4;
  const rows: Buffer[] = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const colour = colourAt(
            ((px + (sx + 0.5) / samples) / size) * 64,
            ((py + (sy + 0.5) / samples) / size) * 64,
            fullBleed,
          );
          if (!colour) continue;
          r += colour[0];
          g += colour[1];
          b += colour[2];
          a += 1;
        }
      }
      const at = 1 + px * 4;
      if (a > 0) {
        row[at] = Math.round(r / a);
        row[at + 1] = Math.round(g / a);
        row[at + 2] = Math.round(b / a);
      }
      row[at + 3] = Math.round((255 * a) / samples ** 2);
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = path.join(import.meta.dirname, '..', 'public');
for (const [name, size, fullBleed] of [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['icon-maskable-512.png', 512, true],
  ['apple-touch-icon.png', 180, true],
] as const) {
  await writeFile(path.join(out, name), png(size, fullBleed));
}
console.log('wrote the app icons to web/public');
