import type { DatasetFormat, SplitName } from '../../../shared/schemas/dataset';
import type { DraftBox } from './boxes';
import type { ProblemList } from './problems';
import type { WalkLimits } from './walk';

/** Options of importDataset. */
export interface ImportOptions {
  signal?: AbortSignal;
  /** Called as images are probed: done of total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Read each image's header for its true size (default true). VOC and COCO carry sizes, so
   * false skips the image files entirely for them; YOLO always needs the size.
   */
  readImageHeaders?: boolean;
  /** Limits of folder walks (files, depth, time); defaults suit any real dataset. */
  walkLimits?: Partial<WalkLimits>;
  /**
   * Accept a dataset without a single box (default false: training and the check refuse it
   * with DS_NO_BOXES). Prediction over an unlabelled data.yaml sets it.
   */
  allowNoBoxes?: boolean;
}

/** An image on its way in, before its size is known and its boxes are checked. */
export interface Draft {
  file: string;
  split: SplitName;
  labelFile: string | null;
  /** 'norm': corners as fractions of the image (YOLO); 'px': pixels (VOC, COCO). */
  units: 'norm' | 'px';
  boxes: DraftBox[];
  /** Size the annotation states (VOC <size>, COCO width/height). */
  sizeHint: { width: number; height: number } | null;
  /** An error in the labels lost an object: the image is left out rather than half-labelled. */
  rejected: boolean;
}

/** What a format reader hands to the common finishing step. */
export interface Collected {
  root: string;
  format: DatasetFormat;
  classNames: string[];
  drafts: Draft[];
  hasOwnValSplit: boolean;
}

/** State shared by the readers of one import. */
export interface ImportContext {
  problems: ProblemList;
  signal: AbortSignal | undefined;
  walkLimits: WalkLimits;
}
