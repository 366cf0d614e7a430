/**
 * Run-name validation at the Node edge: wherever a run is named (the app's train:start, the
 * CLI's --name, a folder name derived from a dataset), the name goes through here and a name
 * Windows could not create is refused with a coded error, on every platform.
 */
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import { checkRunName, runNameCode, RUN_NAME_MAX, type RunNameProblem } from '../../shared/run-name';

export { checkRunName, RUN_NAME_MAX, type RunNameProblem };

/** The coded error of a refused name, with the sentence that says how to fix it. */
export function runNameError(name: string, problem: RunNameProblem): KestrelError {
  const code = runNameCode(problem);
  // Names can be megabytes of renderer text: the sentence quotes at most the first 80 characters.
  const quoted = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  const params = { ...problem, name: quoted } as Record<string, string | number>;
  delete params['kind'];
  return new KestrelError(code, reason(code, params).message, { name: quoted, problem: problem.kind });
}

/** Returns the name when it is usable as a run folder; throws a RUN_NAME_* KestrelError otherwise. */
export function assertRunName(name: string): string {
  const problem = checkRunName(name);
  if (problem) throw runNameError(name, problem);
  return name;
}

/**
 * A usable run name made from free text (a dataset folder's name): characters a run name may
 * not hold become `-`, the length is cut, trailing dots and spaces go, and a reserved device
 * name gets `-run` after it. Always returns a name that passes {@link checkRunName}.
 */
export function runNameFrom(text: string, fallback = 'run'): string {
  let s = [...text].map((ch) => (/^[\p{L}\p{M}\p{N}._\- ]$/u.test(ch) ? ch : '-')).join('');
  s = s.replace(/^[^\p{L}\p{N}]+/u, '').slice(0, RUN_NAME_MAX - 4).replace(/[. ]+$/, '');
  if (s === '') s = fallback;
  if (checkRunName(s)?.kind === 'RESERVED') {
    // The device name is what comes before the first dot: "aux.data" becomes "aux-run.data".
    const dot = s.indexOf('.');
    s = dot < 0 ? `${s}-run` : `${s.slice(0, dot).trimEnd()}-run${s.slice(dot)}`;
  }
  return checkRunName(s) === null ? s : fallback;
}
