// Coded errors of the label editor: the English sentence comes from the labels message domain,
// so the CLI, the app and the catalogue say the same thing.
import { KestrelError } from '../../../shared/errors';
import { messages } from '../../../shared/messages/index';
import { fillTemplate } from '../../../shared/reason';

/** Error codes of the label editor (stable: never renamed). */
export type LabelsErrorCode =
  | 'LABELS_NOT_FOUND'
  | 'LABELS_OUTSIDE_DATASET'
  | 'LABELS_DATASET_NOT_OPEN'
  | 'LABELS_SOURCE_NOT_ALLOWED'
  | 'LABELS_NOT_AN_IMAGE'
  | 'LABELS_IMAGE_UNREADABLE'
  | 'LABELS_FILE_UNREADABLE'
  | 'LABELS_FORMAT_UNKNOWN'
  | 'LABELS_BOX_INVALID'
  | 'LABELS_CLASS_UNKNOWN'
  | 'LABELS_CHANGED_ON_DISK'
  | 'LABELS_READ_ONLY'
  | 'LABELS_WRITE_FAILED'
  | 'LABELS_NO_TRAIN_SPLIT'
  | 'LABELS_ALREADY_IN_DATASET';

/** A KestrelError of the label editor with its catalogue sentence filled in. */
export function labelsError(code: LabelsErrorCode, params: Record<string, string | number>): KestrelError {
  const template = messages.en[code] ?? code;
  const filled: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) filled[k] = String(v);
  return new KestrelError(code, fillTemplate(template, filled), params);
}
