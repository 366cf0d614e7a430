/**
 * Files dropped on Try it: which ones go to the model (images Kestrel reads, not too large, at
 * most TRY_DROP_MAX_FILES) and which are left out and why; and their bytes as base64 (the form
 * predict:tryFiles carries, through Electron's IPC and the browser-test bridge alike). Pure,
 * unit-tested in test/renderer/try-drop.test.ts.
 */
import { isDroppableImage, TRY_DROP_MAX_BYTES, TRY_DROP_MAX_FILES } from '../../../electron/shared/schemas/ipc/predict';

/** What sortDrop needs of a File. */
export interface DroppedFileLike {
  name: string;
  size: number;
}

/** A drop sorted: the indices to send, and the names left out by reason. */
export interface SortedDrop {
  accepted: number[];
  notImages: string[];
  tooLarge: string[];
  /** Images beyond TRY_DROP_MAX_FILES. */
  overLimit: string[];
}

/** Sorts the dropped files in the order they came. */
export function sortDrop(files: readonly DroppedFileLike[]): SortedDrop {
  const out: SortedDrop = { accepted: [], notImages: [], tooLarge: [], overLimit: [] };
  files.forEach((f, i) => {
    if (!isDroppableImage(f.name)) out.notImages.push(f.name);
    else if (f.size > TRY_DROP_MAX_BYTES) out.tooLarge.push(f.name);
    else if (out.accepted.length >= TRY_DROP_MAX_FILES) out.overLimit.push(f.name);
    else out.accepted.push(i);
  });
  return out;
}

/** How many were left out, for one notice. */
export function leftOut(s: SortedDrop): number {
  return s.notImages.length + s.tooLarge.length + s.overLimit.length;
}

/** Bytes as base64, in chunks (String.fromCharCode with a whole image as arguments overflows the stack). */
export function toBase64(bytes: Uint8Array): string {
  const CHUNK = 0x8000;
  let bin = '';
  for (let i = 0; i < bytes.length; i += CHUNK) bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(bin);
}
