import { messages } from '../../../shared/messages/index';
import { fillTemplate, type ReasonParam } from '../../../shared/reason';
import type { DatasetProblem } from '../../../shared/schemas/dataset';

/** Every problem code an import or check can report, with its fixed severity. */
export const PROBLEM_SEVERITY = {
  DS_IMAGE_UNREADABLE: 'error',
  DS_IMAGE_TRUNCATED: 'error',
  DS_FILE_EMPTY: 'error',
  DS_LABEL_WITHOUT_IMAGE: 'warning',
  DS_IMAGE_WITHOUT_LABEL: 'warning',
  DS_IMAGE_NOT_LISTED: 'warning',
  DS_LABEL_COLUMNS: 'error',
  DS_LABEL_NOT_NUMERIC: 'error',
  DS_LABEL_NAN: 'error',
  DS_BOX_OUT_OF_RANGE: 'error',
  DS_BOX_OUTSIDE_IMAGE: 'error',
  DS_BOX_ZERO_AREA: 'error',
  DS_CLASS_OUT_OF_RANGE: 'error',
  DS_CLASS_NOT_INTEGER: 'error',
  DS_CLASS_UNKNOWN: 'error',
  DS_BOX_DUPLICATE: 'warning',
  DS_IMAGE_DUPLICATE: 'warning',
  DS_SIZE_MISMATCH: 'warning',
  DS_XML_UNREADABLE: 'error',
  DS_COCO_UNREADABLE: 'error',
  DS_COCO_IMAGE_ID_UNKNOWN: 'error',
  DS_YAML_UNREADABLE: 'error',
  DS_YAML_NO_TRAIN: 'error',
  DS_YAML_PATH_OUTSIDE: 'error',
  DS_YAML_PATH_MISSING: 'error',
  DS_YAML_NO_NAMES: 'warning',
  DS_LIST_ENTRY_MISSING: 'error',
  DS_CLASS_NAMES_INFERRED: 'info',
  DS_CLASS_NO_BOXES: 'warning',
  DS_SEGMENT_CONVERTED: 'info',
  DS_SPLIT_OVERLAP: 'warning',
  DS_SMALL_OBJECTS: 'warning',
  DS_NOT_A_FILE: 'error',
  DS_LINK_SKIPPED: 'warning',
  DS_WALK_TOO_MANY_FILES: 'error',
  DS_WALK_TOO_DEEP: 'error',
  DS_WALK_TIMEOUT: 'error',
  DS_COCO_ID_TYPE_MIXED: 'info',
  DS_COCO_IMAGE_ID_DUPLICATE: 'error',
  DS_BOX_INVERTED: 'warning',
  DS_CLASS_NAME_CASE: 'warning',
  DS_IMAGE_SAME_STEM: 'warning',
  DS_LABELS_DIR_MISNAMED: 'error',
  DS_YAML_NC_MISMATCH: 'error',
  DS_FILE_TOO_LARGE: 'error',
  DS_LABEL_UNREADABLE: 'error',
} as const satisfies Record<string, DatasetProblem['severity']>;

/** A problem code (stable: part of the contract, never renamed). */
export type ProblemCode = keyof typeof PROBLEM_SEVERITY;

/** Parameters of a problem's message templates. */
export type ProblemParams = Record<string, ReasonParam>;

/** Builds one DatasetProblem with its English message and fix from the catalogue. */
export function makeProblem(code: ProblemCode, file: string | null, line: number | null, given: ProblemParams = {}): DatasetProblem {
  // Templates may name the line, or the box by `ref` ("line 3", "annotation 17").
  const params: ProblemParams = { ...given };
  if (line !== null) params['line'] ??= line;
  params['ref'] ??= line !== null ? `line ${line}` : 'the file';
  params['refZh'] ??= refInChinese(String(params['ref']));
  const msg = messages.en[code];
  const fix = messages.en[`${code}.fix`];
  if (msg === undefined || fix === undefined) throw new Error(`No message for dataset problem ${code}`);
  return {
    code,
    severity: PROBLEM_SEVERITY[code],
    file,
    line,
    message: fillTemplate(msg, params),
    fix: fillTemplate(fix, params),
    params,
  };
}

/**
 * Collects problems during one import. Parsers stay pure and return their findings; the
 * importer adds the file they came from here.
 */
export class ProblemList {
  readonly items: DatasetProblem[] = [];

  /** Records a problem. */
  add(code: ProblemCode, file: string | null, line: number | null = null, params: ProblemParams = {}): void {
    this.items.push(makeProblem(code, file, line, params));
  }

  /** True when a problem with this code and file is already recorded. */
  has(code: ProblemCode, file: string | null): boolean {
    return this.items.some((p) => p.code === code && p.file === file);
  }

  /** Records the findings of a pure parser for one file. */
  addAll(file: string | null, found: readonly Finding[]): void {
    for (const f of found) this.add(f.code, file, f.line, f.params);
  }
}

/** A problem found by a pure parser, before the file it belongs to is known. */
export interface Finding {
  code: ProblemCode;
  line: number | null;
  params: ProblemParams;
}

/** Shorthand for a Finding. */
export function finding(code: ProblemCode, line: number | null, params: ProblemParams = {}): Finding {
  return { code, line, params };
}

/**
 * Codes that lose an object the labeller meant. The image is then left out: trained with
 * the object missing, the model would learn that defect as background.
 */
export const LOSES_OBJECT: ReadonlySet<ProblemCode> = new Set<ProblemCode>([
  'DS_LABEL_COLUMNS',
  'DS_LABEL_NOT_NUMERIC',
  'DS_LABEL_NAN',
  'DS_BOX_OUT_OF_RANGE',
  'DS_BOX_OUTSIDE_IMAGE',
  'DS_CLASS_OUT_OF_RANGE',
  'DS_CLASS_NOT_INTEGER',
  'DS_CLASS_UNKNOWN',
]);

/**
 * The Chinese form of a box reference ("line 3" -> "第 3 行"): the zh templates name the box
 * with {refZh}, so no English fragment lands in a Chinese sentence.
 */
export function refInChinese(ref: string): string {
  const m = /^(line|annotation) (\d+)$/.exec(ref);
  if (m) return m[1] === 'line' ? `第 ${m[2]} 行` : `标注 ${m[2]}`;
  if (ref === 'the file') return '该文件';
  if (ref === 'an object') return '一个目标';
  return ref;
}
