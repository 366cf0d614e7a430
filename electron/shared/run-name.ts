/**
 * The rule of a run's name (its folder under the runs directory), the same on every platform:
 * runs move between PCs, so a name Windows cannot create (CON, NUL, COM1.txt, "run.", "a|b")
 * is refused on Linux too. Pure and Node-free: the IPC schemas, the app and the CLI share it.
 */

/** Longest run name, in characters: leaves room under Windows' 260-character paths. */
export const RUN_NAME_MAX = 64;

/** Why a name is refused; each has its own message code (RUN_NAME_<KIND>). */
export type RunNameProblem =
  | { kind: 'EMPTY' }
  | { kind: 'TOO_LONG'; length: number; max: number }
  | { kind: 'RESERVED'; reserved: string }
  | { kind: 'TRAILING'; char: string }
  | { kind: 'BAD_START'; char: string }
  | { kind: 'BAD_CHAR'; char: string };

/** Device names Windows reserves in every folder, whatever the extension (COM¹ and friends included). */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
/** Letters and digits of any script, combining marks, and . _ - and space inside the name. */
const ALLOWED = /^[\p{L}\p{M}\p{N}._\- ]$/u;
/** The first character: a letter or digit (no hidden dot-files, no `-flag` look-alikes). */
const START = /^[\p{L}\p{N}]$/u;

/** A character as a message shows it: printable as itself, others as U+XXXX. */
function shown(ch: string): string {
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch) ? ch : `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Checks a run name; null when it is usable as a folder name on Windows and Linux alike.
 * Reports the first problem found, in the order a person would fix them.
 */
export function checkRunName(name: string): RunNameProblem | null {
  if (name.length === 0) return { kind: 'EMPTY' };
  if (name.length > RUN_NAME_MAX) return { kind: 'TOO_LONG', length: name.length, max: RUN_NAME_MAX };
  for (const ch of name) {
    if (!ALLOWED.test(ch)) return { kind: 'BAD_CHAR', char: shown(ch) };
  }
  const first = [...name][0] ?? '';
  if (!START.test(first)) return { kind: 'BAD_START', char: shown(first) };
  const last = name.at(-1) ?? '';
  if (last === '.' || last === ' ') return { kind: 'TRAILING', char: last === '.' ? '.' : 'space' };
  // Windows maps "CON.txt" and "con .tar.gz" to the console device: compare what is before
  // the first dot, without trailing spaces.
  const stem = (name.split('.')[0] ?? '').replace(/ +$/, '');
  if (RESERVED.test(stem)) return { kind: 'RESERVED', reserved: stem.toUpperCase() };
  return null;
}

/** The message code of a problem (the catalogue is in messages/app.ts). */
export function runNameCode(p: RunNameProblem): string {
  return `RUN_NAME_${p.kind}`;
}
