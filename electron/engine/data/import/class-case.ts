// Merges class names that differ only in letter case, width or outer spaces: labellers
// type names by hand, and two spellings of one defect must not become two classes that
// compete for the same objects.
import type { ProblemList } from './problems';
import type { Collected } from './types';

/**
 * What two class names must share to be one class: letters compared without case, width
 * (NFKC: full-width "Ｓｃｒａｔｃｈ" typed with a Chinese IME is "Scratch") or outer spaces.
 */
export function classNameKey(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase();
}

/** How class ids map after merging: old id -> new id, and the names kept. */
export interface CaseFold {
  classNames: string[];
  remap: number[];
  /** Each merged group: the spellings found and the one kept. */
  merged: { names: string[]; used: string }[];
}

/**
 * Plans the merge (pure): names with one classNameKey form one class, named by the spelling
 * with the most boxes (ties: the earlier name); classes keep their order of first appearance.
 */
export function planCaseFold(classNames: readonly string[], boxesPerClass: readonly number[]): CaseFold {
  const groups = new Map<string, number[]>();
  classNames.forEach((n, i) => {
    const k = classNameKey(n);
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  const out: string[] = [];
  const remap: number[] = classNames.map(() => 0);
  const merged: CaseFold['merged'] = [];
  for (const ids of groups.values()) {
    const best = ids.reduce((a, b) => ((boxesPerClass[b] ?? 0) > (boxesPerClass[a] ?? 0) ? b : a));
    const name = classNames[best] ?? '';
    const to = out.push(name) - 1;
    for (const i of ids) remap[i] = to;
    if (ids.length > 1) merged.push({ names: ids.map((i) => classNames[i] ?? ''), used: name });
  }
  return { classNames: out, remap, merged };
}

/** Applies planCaseFold to collected drafts, reporting DS_CLASS_NAME_CASE for each merge. */
export function foldClassCase(c: Collected, problems: ProblemList): Collected {
  const counts = c.classNames.map(() => 0);
  for (const d of c.drafts) for (const b of d.boxes) counts[b.cls] = (counts[b.cls] ?? 0) + 1;
  const plan = planCaseFold(c.classNames, counts);
  if (plan.merged.length === 0) return c;
  for (const m of plan.merged) problems.add('DS_CLASS_NAME_CASE', null, null, { names: m.names.join(', '), used: m.used });
  const drafts = c.drafts.map((d) => ({ ...d, boxes: d.boxes.map((b) => ({ ...b, cls: plan.remap[b.cls] ?? b.cls })) }));
  return { ...c, classNames: plan.classNames, drafts };
}
