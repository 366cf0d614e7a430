/**
 * Draws detections on an image for people: boxes in the class palette with a dark outline,
 * labels "name 0.87" on a box-coloured tag with text at >= 4.5:1 contrast. Text is rendered
 * by sharp (Pango) from the font bundled in resources/fonts (Droid Sans Fallback, Apache-2.0:
 * Latin and CJK), so Chinese class names come out right on a PC without CJK fonts.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type OverlayOptions } from 'sharp';
import type { Detection } from '../../shared/schemas/evaluation';
import type { DecodedImage } from '../data/image';
import { classColor, hex, OUTLINE, textColorOn } from './palette';

/** The bundled font's file name and family. */
export const FONT_FILE_NAME = 'DroidSansFallback.ttf';
export const FONT_FAMILY = 'Droid Sans Fallback';

/**
 * Where the bundled font is: KESTREL_FONT_FILE when set (a packaged app points it into its
 * resources), else resources/fonts beside the sources.
 */
export function bundledFontFile(): string {
  const env = process.env['KESTREL_FONT_FILE'];
  if (env) return env;
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../resources/fonts', FONT_FILE_NAME);
}

/** Escapes text for Pango markup. */
export function escapeMarkup(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Line width and label font size for an image: legible on a 20 MP photo and a 200 px crop alike. */
export function drawSizes(width: number, height: number): { line: number; fontPx: number; pad: number } {
  const side = Math.max(width, height);
  const fontPx = Math.min(64, Math.max(12, Math.round(side / 45)));
  return { line: Math.max(2, Math.round(side / 500)), fontPx, pad: Math.max(2, Math.round(fontPx / 5)) };
}

/** What annotateImage draws. */
export interface AnnotateOptions {
  classNames: readonly string[];
  /** The font to render labels with; default the bundled one. */
  fontFile?: string;
  /** JPEG quality (90). */
  quality?: number;
}

/** Renders one label line in the bundled font: PNG with alpha, the text in `fg`. */
export async function renderLabel(text: string, fg: string, fontPx: number, fontFile: string): Promise<{ png: Buffer; width: number; height: number }> {
  const { data, info } = await sharp({
    text: { text: `<span foreground="${fg}">${escapeMarkup(text)}</span>`, font: `${FONT_FAMILY} ${fontPx}`, fontfile: fontFile, rgba: true, dpi: 72 },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  return { png: data, width: info.width, height: info.height };
}

/**
 * The image with its detections drawn, as JPEG bytes. Boxes are in the image's pixels;
 * labels sit above the box, or inside it at the top edge of the image.
 */
export async function annotateImage(img: DecodedImage, dets: readonly Detection[], opts: AnnotateOptions): Promise<Buffer> {
  const { width: W, height: H } = img;
  const { line, fontPx, pad } = drawSizes(W, H);
  const fontFile = opts.fontFile ?? bundledFontFile();
  const haveFont = existsSync(fontFile);
  const shapes: string[] = [];
  const labels: OverlayOptions[] = [];
  // Weakest first, so the strongest detections' labels end up on top.
  const order = [...dets].sort((a, b) => a.score - b.score);
  for (const d of order) {
    const color = classColor(d.cls);
    const x = Math.round(d.x1);
    const y = Math.round(d.y1);
    const w = Math.max(1, Math.round(d.x2 - d.x1));
    const h = Math.max(1, Math.round(d.y2 - d.y1));
    shapes.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${hex(OUTLINE)}" stroke-width="${line + 2}"/>`);
    shapes.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${hex(color)}" stroke-width="${line}"/>`);
    if (!haveFont) continue;
    const name = opts.classNames[d.cls] ?? `class ${d.cls}`;
    const text = await renderLabel(`${name} ${d.score.toFixed(2)}`, hex(textColorOn(color)), fontPx, fontFile);
    const tagW = text.width + 2 * pad;
    const tagH = text.height + 2 * pad;
    if (tagW > W || tagH > H) continue;
    const left = Math.min(Math.max(0, x - Math.floor(line / 2)), W - tagW);
    const above = y - tagH - Math.ceil(line / 2);
    const top = Math.min(above >= 0 ? above : Math.max(0, y), H - tagH);
    shapes.push(`<rect x="${left}" y="${top}" width="${tagW}" height="${tagH}" fill="${hex(color)}" stroke="${hex(OUTLINE)}" stroke-width="1"/>`);
    labels.push({ input: text.png, left: left + pad, top: top + pad });
  }
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${shapes.join('')}</svg>`);
  return sharp(img.data, { raw: { width: W, height: H, channels: 3 } })
    .composite([{ input: svg, left: 0, top: 0 }, ...labels])
    // 4:4:4: thin coloured lines keep their colour (the default 4:2:0 halves colour resolution).
    .jpeg({ quality: opts.quality ?? 90, chromaSubsampling: '4:4:4' })
    .toBuffer();
}
