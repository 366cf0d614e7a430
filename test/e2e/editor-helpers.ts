/**
 * Driving the label editor's canvas in the browser tests: image pixels to page pixels (the
 * editor opens fitted, lib/label-editor.ts fitView), a pointer drag between two image points,
 * and the boxes as the editor lists them.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { fitView } from '../../renderer/src/lib/label-editor';

/** Maps image pixels to page pixels. */
export type ImageToPage = (x: number, y: number) => { x: number; y: number };

/** The mapping over the editor's canvas for an image of `w` x `h` pixels, fitted. */
export async function canvasMapper(page: Page, w: number, h: number): Promise<ImageToPage> {
  const box = await page.getByTestId('editor-canvas').boundingBox();
  assert.ok(box, 'the editor canvas is on screen');
  const v = fitView(w, h, box.width, box.height);
  return (x, y) => ({ x: box.x + v.panX + x * v.zoom, y: box.y + v.panY + y * v.zoom });
}

/** A left-button drag from one image point to another, in a few steps (as a hand moves). */
export async function dragImage(page: Page, at: ImageToPage, from: [number, number], to: [number, number]): Promise<void> {
  const a = at(...from);
  const b = at(...to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 3 });
  await page.mouse.move(b.x, b.y, { steps: 3 });
  await page.mouse.up();
}

/** The editor's boxes as listed beside the canvas: corners in image pixels and class. */
export async function listedBoxes(page: Page): Promise<{ box: number[]; cls: number }[]> {
  return page
    .getByTestId('editor-boxes')
    .locator('li')
    .evaluateAll((lis) => lis.map((li) => ({ box: (li.getAttribute('data-box') ?? '').split(',').map(Number), cls: Number(li.getAttribute('data-cls')) })));
}

/** Asserts two pixel figures agree within one pixel. */
export const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1, `${what}: ${a} is not about ${b}`);
