#!/usr/bin/env node
// Renders build/icon.svg into the icons electron-builder wants: build/icon.png (512),
// build/icons/<size>x<size>.png (Linux) and build/icon.ico (Windows; PNG-compressed entries).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const dir = import.meta.dirname;
const svg = readFileSync(join(dir, 'icon.svg'));
const render = (size) => sharp(svg, { density: Math.ceil((72 * size) / 64) }).resize(size, size).png().toBuffer();

mkdirSync(join(dir, 'icons'), { recursive: true });
for (const size of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(join(dir, 'icons', `${size}x${size}.png`), await render(size));
writeFileSync(join(dir, 'icon.png'), await render(512));

// ICO: a 6-byte header, a 16-byte directory entry per image, then the PNG data of each.
const sizes = [16, 24, 32, 48, 64, 128, 256];
const pngs = await Promise.all(sizes.map(render));
const header = Buffer.alloc(6 + 16 * sizes.length);
header.writeUInt16LE(0, 0);
header.writeUInt16LE(1, 2);
header.writeUInt16LE(sizes.length, 4);
let offset = header.length;
sizes.forEach((s, i) => {
  const e = 6 + 16 * i;
  header.writeUInt8(s >= 256 ? 0 : s, e);
  header.writeUInt8(s >= 256 ? 0 : s, e + 1);
  header.writeUInt16LE(1, e + 4);
  header.writeUInt16LE(32, e + 6);
  header.writeUInt32LE(pngs[i].length, e + 8);
  header.writeUInt32LE(offset, e + 12);
  offset += pngs[i].length;
});
writeFileSync(join(dir, 'icon.ico'), Buffer.concat([header, ...pngs]));
console.log('icons written to', dir);
