/**
 * The two stand-alone examples written beside an exported model, for the line PC: Node
 * (onnxruntime-node + sharp) and Python (onnxruntime + numpy + Pillow). Both letterbox exactly
 * as Kestrel does (bilinear with aligned pixel centres, rounded to 8 bits, centred, gray 114),
 * run the model, keep each anchor's best class at its class threshold, apply class-aware NMS
 * and print the detections in original-image pixels and the OK/NG verdict as JSON. They read
 * the classes, input size and thresholds from model.json beside the model.
 */

/** File name of the Node example. */
export const NODE_EXAMPLE_FILE = 'run_model.mjs';
/** File name of the Python example. */
export const PYTHON_EXAMPLE_FILE = 'run_model.py';

/** Source of run_model.mjs. */
export const NODE_EXAMPLE = `// Runs the exported Kestrel model on one image and prints its detections as JSON.
//   npm install onnxruntime-node sharp
//   node run_model.mjs IMAGE [MODEL.onnx]
// Classes, input size and thresholds come from model.json beside this file.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
const card = JSON.parse(readFileSync(join(here, 'model.json'), 'utf8'));
const [image, modelFile = join(here, card.file)] = process.argv.slice(2);
if (!image) {
  console.error('usage: node run_model.mjs IMAGE [MODEL.onnx]');
  process.exit(2);
}
const size = card.input.size;
const names = card.classes.map((c) => c.name);
const conf = card.classes.map((c) => c.threshold);
const iouThreshold = card.thresholds.iou;

// 1. Decode to 8-bit RGB with the EXIF orientation applied.
const { data: px, info } = await sharp(image).rotate().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
const W = info.width;
const H = info.height;
const ch = info.channels;

// 2. Letterbox: scale to fit, bilinear, centre, pad with gray; NCHW floats in [0, 1].
const scale = Math.min(size / W, size / H);
const nw = Math.min(size, Math.max(1, Math.round(W * scale)));
const nh = Math.min(size, Math.max(1, Math.round(H * scale)));
const padX = Math.floor((size - nw) / 2);
const padY = Math.floor((size - nh) / 2);
const plane = size * size;
const input = new Float32Array(3 * plane).fill(card.input.letterboxFill / 255);
const at = (x, y, c) => px[(y * W + x) * ch + (ch >= 3 ? c : 0)];
for (let y = 0; y < nh; y++) {
  const fy = Math.min(Math.max((y + 0.5) * (H / nh) - 0.5, 0), H - 1);
  const y0 = Math.floor(fy);
  const y1 = Math.min(y0 + 1, H - 1);
  const wy = fy - y0;
  for (let x = 0; x < nw; x++) {
    const fx = Math.min(Math.max((x + 0.5) * (W / nw) - 0.5, 0), W - 1);
    const x0 = Math.floor(fx);
    const x1 = Math.min(x0 + 1, W - 1);
    const wx = fx - x0;
    for (let c = 0; c < 3; c++) {
      const top = at(x0, y0, c) * (1 - wx) + at(x1, y0, c) * wx;
      const bottom = at(x0, y1, c) * (1 - wx) + at(x1, y1, c) * wx;
      input[c * plane + (y + padY) * size + x + padX] = Math.round(top * (1 - wy) + bottom * wy) / 255;
    }
  }
}

// 3. Run: output0 is [1, 4 + classes, anchors] (cx, cy, w, h in input pixels, then class scores).
const session = await ort.InferenceSession.create(modelFile);
const result = await session.run({ images: new ort.Tensor('float32', input, [1, 3, size, size]) });
const out = result.output0.data;
const nc = names.length;
const A = result.output0.dims[2];

// 4. Decode: each anchor's best class, kept when it reaches that class's threshold.
const cand = [];
for (let a = 0; a < A; a++) {
  let cls = 0;
  for (let c = 1; c < nc; c++) if (out[(4 + c) * A + a] > out[(4 + cls) * A + a]) cls = c;
  const score = out[(4 + cls) * A + a];
  if (!(score >= conf[cls])) continue;
  const cx = out[a], cy = out[A + a], w = out[2 * A + a], h = out[3 * A + a];
  cand.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, cls });
}

// 5. Class-aware NMS, best first, at most 300.
const iou = (p, q) => {
  const iw = Math.max(0, Math.min(p.x2, q.x2) - Math.max(p.x1, q.x1));
  const ih = Math.max(0, Math.min(p.y2, q.y2) - Math.max(p.y1, q.y1));
  const inter = iw * ih;
  const union = (p.x2 - p.x1) * (p.y2 - p.y1) + (q.x2 - q.x1) * (q.y2 - q.y1) - inter;
  return union > 0 ? inter / union : 0;
};
cand.sort((p, q) => q.score - p.score);
const kept = [];
for (const d of cand) {
  if (kept.length >= 300) break;
  if (kept.some((k) => k.cls === d.cls && iou(k, d) > iouThreshold)) continue;
  kept.push(d);
}

// 6. Back to original-image pixels; the verdict is NG when anything was found.
const clip = (v, hi) => Math.min(Math.max(v, 0), hi);
const detections = kept.map((d) => ({
  x1: clip((d.x1 - padX) / scale, W),
  y1: clip((d.y1 - padY) / scale, H),
  x2: clip((d.x2 - padX) / scale, W),
  y2: clip((d.y2 - padY) / scale, H),
  score: d.score,
  cls: d.cls,
  name: names[d.cls],
}));
console.log(JSON.stringify({ image, width: W, height: H, verdict: detections.length > 0 ? 'NG' : 'OK', detections }, null, 2));
`;

/** Source of run_model.py. */
export const PYTHON_EXAMPLE = `"""Runs the exported Kestrel model on one image and prints its detections as JSON.

    pip install onnxruntime numpy pillow
    python run_model.py IMAGE [MODEL.onnx]

Classes, input size and thresholds come from model.json beside this file.
"""
import json
import os
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps


def js_round(v):
    """Rounds halves up, as Kestrel (JavaScript Math.round) does."""
    return np.floor(v + 0.5)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "model.json"), encoding="utf-8") as f:
        card = json.load(f)
    if len(sys.argv) < 2:
        print("usage: python run_model.py IMAGE [MODEL.onnx]", file=sys.stderr)
        sys.exit(2)
    image = sys.argv[1]
    model_file = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, card["file"])
    size = card["input"]["size"]
    names = [c["name"] for c in card["classes"]]
    conf = np.array([c["threshold"] for c in card["classes"]], dtype=np.float64)
    iou_threshold = card["thresholds"]["iou"]

    # 1. Decode to 8-bit RGB with the EXIF orientation applied.
    px = np.asarray(ImageOps.exif_transpose(Image.open(image)).convert("RGB"), dtype=np.float64)
    H, W = px.shape[:2]

    # 2. Letterbox: scale to fit, bilinear, centre, pad with gray; NCHW floats in [0, 1].
    scale = min(size / W, size / H)
    nw = int(min(size, max(1, js_round(W * scale))))
    nh = int(min(size, max(1, js_round(H * scale))))
    pad_x = (size - nw) // 2
    pad_y = (size - nh) // 2
    fy = np.clip((np.arange(nh) + 0.5) * (H / nh) - 0.5, 0, H - 1)
    fx = np.clip((np.arange(nw) + 0.5) * (W / nw) - 0.5, 0, W - 1)
    y0 = np.floor(fy).astype(int)
    x0 = np.floor(fx).astype(int)
    y1 = np.minimum(y0 + 1, H - 1)
    x1 = np.minimum(x0 + 1, W - 1)
    wy = (fy - y0)[:, None, None]
    wx = (fx - x0)[None, :, None]
    top = px[y0][:, x0] * (1 - wx) + px[y0][:, x1] * wx
    bottom = px[y1][:, x0] * (1 - wx) + px[y1][:, x1] * wx
    canvas = np.full((size, size, 3), card["input"]["letterboxFill"], dtype=np.float64)
    canvas[pad_y:pad_y + nh, pad_x:pad_x + nw] = js_round(top * (1 - wy) + bottom * wy)
    x = (canvas / 255.0).astype(np.float32).transpose(2, 0, 1)[None]

    # 3. Run: output0 is [1, 4 + classes, anchors] (cx, cy, w, h in input pixels, then class scores).
    session = ort.InferenceSession(model_file, providers=["CPUExecutionProvider"])
    out = session.run(["output0"], {"images": x})[0][0]

    # 4. Decode: each anchor's best class, kept when it reaches that class's threshold.
    scores = out[4:]
    cls = scores.argmax(axis=0)
    best = scores[cls, np.arange(scores.shape[1])]
    keep = best >= conf[cls].astype(np.float32)
    cx, cy, w, h = out[0][keep], out[1][keep], out[2][keep], out[3][keep]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    best, cls = best[keep], cls[keep]

    # 5. Class-aware NMS, best first, at most 300.
    order = np.argsort(-best, kind="stable")
    kept = []
    for i in order:
        if len(kept) >= 300:
            break
        b = boxes[i]
        suppressed = False
        for k in kept:
            if cls[k] != cls[i]:
                continue
            o = boxes[k]
            iw = max(0.0, min(b[2], o[2]) - max(b[0], o[0]))
            ih = max(0.0, min(b[3], o[3]) - max(b[1], o[1]))
            inter = iw * ih
            union = (b[2] - b[0]) * (b[3] - b[1]) + (o[2] - o[0]) * (o[3] - o[1]) - inter
            if union > 0 and inter / union > iou_threshold:
                suppressed = True
                break
        if not suppressed:
            kept.append(i)

    # 6. Back to original-image pixels; the verdict is NG when anything was found.
    def clip(v, hi):
        return float(min(max(v, 0.0), hi))

    detections = [
        {
            "x1": clip((boxes[i][0] - pad_x) / scale, W),
            "y1": clip((boxes[i][1] - pad_y) / scale, H),
            "x2": clip((boxes[i][2] - pad_x) / scale, W),
            "y2": clip((boxes[i][3] - pad_y) / scale, H),
            "score": float(best[i]),
            "cls": int(cls[i]),
            "name": names[int(cls[i])],
        }
        for i in kept
    ]
    verdict = "NG" if detections else "OK"
    print(json.dumps({"image": image, "width": W, "height": H, "verdict": verdict, "detections": detections}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
`;
