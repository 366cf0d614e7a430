import { ciou } from './iou';

/**
 * Task-aligned assignment (TOOD, as YOLOv8's TaskAlignedAssigner): which anchors learn which
 * ground-truth box, and how strongly.
 *
 * Plain TypeScript on downloaded predictions rather than tf ops: it is not differentiable, it
 * needs top-k and argmax per box (gathers and scatters, slow or missing on some backends), and
 * its work is small (only anchors inside a box get an IoU), so a few milliseconds of JS beat
 * the dense [B, boxes, anchors] tensors the PyTorch version builds.
 */

/** Tunables of the assigner (YOLOv8 defaults). */
export interface AssignerOptions {
  /** Positive anchors per box at most. Default 10. */
  topk?: number;
  /** Exponent of the class score in the alignment metric. Default 0.5. */
  alpha?: number;
  /** Exponent of the IoU in the alignment metric. Default 6. */
  beta?: number;
}

/** What the assigner reads: detached predictions, anchors and the flat ground truth. */
export interface AssignerInput {
  batchSize: number;
  numAnchors: number;
  numClasses: number;
  /** [B * A * nc] sigmoid class scores. */
  predScores: Float32Array;
  /** [B * A * 4] predicted corners in input pixels. */
  predBoxes: Float32Array;
  /** [A * 2] anchor centres in input pixels. */
  anchorPoints: Float32Array;
  /** Ground truth, flat: image index, class, corners x1 y1 x2 y2 in input pixels. */
  gtBatchIndex: Int32Array;
  gtClasses: Int32Array;
  gtBoxes: Float32Array;
}

/** Per anchor of every image: whether it is a positive, its box, and its soft class target. */
export interface Assignment {
  /** [B * A] 1 for a positive (foreground) anchor. */
  fg: Uint8Array;
  /** [B * A] index into the flat ground truth, -1 for background. */
  gtIndex: Int32Array;
  /** [B * A * 4] target corners in input pixels (0 for background). */
  targetBoxes: Float32Array;
  /** [B * A * nc] class targets: the normalised alignment at the box's class, 0 elsewhere. */
  targetScores: Float32Array;
  /** Sum of targetScores (the loss normaliser before max(., 1)). */
  scoreSum: number;
  /** Number of positive anchors. */
  positives: number;
}

const EPS = 1e-9;

/** Assigns targets to anchors for a whole batch. */
export function assignTargets(input: AssignerInput, opts: AssignerOptions = {}): Assignment {
  const topk = opts.topk ?? 10;
  const alpha = opts.alpha ?? 0.5;
  const beta = opts.beta ?? 6;
  const { batchSize: B, numAnchors: A, numClasses: nc } = input;
  const fg = new Uint8Array(B * A);
  const gtIndex = new Int32Array(B * A).fill(-1);
  const targetBoxes = new Float32Array(B * A * 4);
  const targetScores = new Float32Array(B * A * nc);
  let scoreSum = 0;
  let positives = 0;

  const byImage: number[][] = Array.from({ length: B }, () => []);
  for (let j = 0; j < input.gtBatchIndex.length; j++) {
    const b = input.gtBatchIndex[j] as number;
    if (b < 0 || b >= B) throw new Error(`Ground-truth box ${j} belongs to image ${b}, batch has ${B}`);
    const c = input.gtClasses[j] as number;
    if (c < 0 || c >= nc) throw new Error(`Ground-truth box ${j} has class ${c}, model has ${nc}`);
    byImage[b]!.push(j);
  }

  for (let b = 0; b < B; b++) {
    const gts = byImage[b]!;
    const n = gts.length;
    if (n === 0) continue;
    // Dense per image: n x A is small (tens of boxes x thousands of anchors).
    const overlaps = new Float32Array(n * A);
    const metrics = new Float32Array(n * A);
    const pos = new Uint8Array(n * A);
    const posCount = new Uint16Array(A);
    for (let k = 0; k < n; k++) {
      const j = gts[k]!;
      const gx1 = input.gtBoxes[4 * j]!;
      const gy1 = input.gtBoxes[4 * j + 1]!;
      const gx2 = input.gtBoxes[4 * j + 2]!;
      const gy2 = input.gtBoxes[4 * j + 3]!;
      const cls = input.gtClasses[j]!;
      const cand: number[] = [];
      for (let a = 0; a < A; a++) {
        const ax = input.anchorPoints[2 * a]!;
        const ay = input.anchorPoints[2 * a + 1]!;
        // Candidates: anchor centre strictly inside the box.
        if (Math.min(ax - gx1, ay - gy1, gx2 - ax, gy2 - ay) <= EPS) continue;
        const p = (b * A + a) * 4;
        const o = Math.max(
          0,
          ciou(gx1, gy1, gx2, gy2, input.predBoxes[p]!, input.predBoxes[p + 1]!, input.predBoxes[p + 2]!, input.predBoxes[p + 3]!).ciou,
        );
        const s = input.predScores[(b * A + a) * nc + cls]!;
        overlaps[k * A + a] = o;
        const m = Math.pow(s, alpha) * Math.pow(o, beta);
        metrics[k * A + a] = m;
        // A zero metric would get a zero target score anyway; leaving it out changes no loss.
        if (m > 0) cand.push(a);
      }
      cand.sort((x, y) => metrics[k * A + y]! - metrics[k * A + x]! || x - y);
      for (let i = 0; i < Math.min(topk, cand.length); i++) {
        const a = cand[i]!;
        pos[k * A + a] = 1;
        posCount[a]!++;
      }
    }
    // An anchor claimed by several boxes goes to the one it overlaps most (over all boxes, as YOLOv8).
    for (let a = 0; a < A; a++) {
      if ((posCount[a] as number) <= 1) continue;
      let best = 0;
      for (let k = 1; k < n; k++) if (overlaps[k * A + a]! > overlaps[best * A + a]!) best = k;
      for (let k = 0; k < n; k++) pos[k * A + a] = k === best ? 1 : 0;
    }
    // Normalise each box's metrics so its best anchor's target equals its best IoU.
    const norm = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      let maxMetric = 0;
      let maxOverlap = 0;
      for (let a = 0; a < A; a++) {
        if (!pos[k * A + a]) continue;
        maxMetric = Math.max(maxMetric, metrics[k * A + a]!);
        maxOverlap = Math.max(maxOverlap, overlaps[k * A + a]!);
      }
      norm[k] = maxOverlap / (maxMetric + EPS);
    }
    for (let k = 0; k < n; k++) {
      const j = gts[k]!;
      for (let a = 0; a < A; a++) {
        if (!pos[k * A + a]) continue;
        const i = b * A + a;
        fg[i] = 1;
        gtIndex[i] = j;
        for (let c = 0; c < 4; c++) targetBoxes[4 * i + c] = input.gtBoxes[4 * j + c]!;
        const t = metrics[k * A + a]! * norm[k]!;
        targetScores[i * nc + input.gtClasses[j]!] = t;
        scoreSum += t;
        positives++;
      }
    }
  }
  return { fg, gtIndex, targetBoxes, targetScores, scoreSum, positives };
}
