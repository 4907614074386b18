// Draws the app and tray icons as PNGs with nothing but zlib: `node build/make-icons.mjs`.
// The outputs are committed; run this again only to change them.
//   build/icon.png                       512×512 app icon (electron-builder makes .icns/.ico from it)
//   build/tray/{running,stopped,error}{,@2x}.png           coloured tray icons (Windows, Linux)
//   build/tray/{running,stopped,error}Template{,@2x}.png   monochrome templates (macOS menu bar)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Encodes RGBA pixels (Uint8Array of size*size*4) as a PNG. */
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Renders `paint(x, y)` (coordinates in 0..1, returns [r,g,b,a] with a in 0..1, or null for transparent)
 * with 4×4 supersampling, compositing the samples.
 */
function render(size, paint) {
  const out = new Uint8Array(size * size * 4);
  const S = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const c = paint((px + (sx + 0.5) / S) / size, (py + (sy + 0.5) / S) / size);
          if (!c) continue;
          r += c[0] * c[3]; g += c[1] * c[3]; b += c[2] * c[3]; a += c[3];
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a); out[i + 1] = Math.round(g / a); out[i + 2] = Math.round(b / a);
        out[i + 3] = Math.round((a / (S * S)) * 255);
      }
    }
  }
  return out;
}

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const dist = (x, y, cx, cy) => Math.hypot(x - cx, y - cy);
const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);

/** Rounded square (corner radius r) of side 1 - 2*m, centred. */
function inRoundedSquare(x, y, m, r) {
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - m - r), 0);
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - m - r), 0);
  return Math.hypot(qx, qy) <= r;
}

// The app icon: a violet-to-blue tile with two linked white rings (an infinity sign, the "infini").
function appIcon(x, y) {
  const top = hex('#7C5CFA');
  const bottom = hex('#2563EB');
  const ring = (cx) => Math.abs(dist(x, y, cx, 0.5) - 0.145) <= 0.05;
  if (ring(0.355) || ring(0.645)) return [255, 255, 255, 1];
  if (inRoundedSquare(x, y, 0.04, 0.2)) return [...mix(top, bottom, y), 1];
  return null;
}

// Tray shapes. `ink` is the colour (black for templates, where only alpha matters on macOS).
const disc = (ink) => (x, y) => (dist(x, y, 0.5, 0.5) <= 0.36 ? [...ink, 1] : null);
const ring = (ink) => (x, y) => (Math.abs(dist(x, y, 0.5, 0.5) - 0.3) <= 0.08 ? [...ink, 1] : null);
const slashedRing = (ink) => (x, y) => {
  if (ring(ink)(x, y)) return [...ink, 1];
  const inside = dist(x, y, 0.5, 0.5) <= 0.38;
  return inside && Math.abs(x - y) / Math.SQRT2 <= 0.07 ? [...ink, 1] : null;
};

const trayShapes = {
  running: { colour: disc(hex('#22C55E')), template: disc([0, 0, 0]) },
  stopped: { colour: ring(hex('#9CA3AF')), template: ring([0, 0, 0]) },
  error: { colour: slashedRing(hex('#EF4444')), template: slashedRing([0, 0, 0]) },
};

function write(file, size, paint) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, png(size, render(size, paint)));
  console.log('wrote', file);
}

write(join(here, 'icon.png'), 512, appIcon);
for (const [name, { colour, template }] of Object.entries(trayShapes)) {
  write(join(here, 'tray', `${name}.png`), 16, colour);
  write(join(here, 'tray', `${name}@2x.png`), 32, colour);
  write(join(here, 'tray', `${name}Template.png`), 16, template);
  write(join(here, 'tray', `${name}Template@2x.png`), 32, template);
}
