/**
 * The dataset check's worker thread: imports the dataset with every image decoded, builds the
 * report and the planner's summary, and posts them back, so the decoding never blocks
 * Electron's main thread (which draws the window and answers IPC). Started by
 * realEngine.checkDataset (./engine.ts); bundled as out/main/check-worker.js.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkDatasetDetailed } from '../engine/data/check/index';
import { summarizeDataset } from '../engine/data/summary';
import { toErrorInfo } from '../shared/errors';
import type { CheckThreadReply, CheckThreadRequest } from './engine';

const req = workerData as CheckThreadRequest;
let reply: CheckThreadReply;
try {
  const { report, dataset } = await checkDatasetDetailed(req.path, req.imgsz === undefined ? {} : { imgsz: req.imgsz });
  reply = { ok: true, checked: { report, dataset, summary: summarizeDataset(dataset) } };
} catch (err) {
  reply = { ok: false, error: toErrorInfo(err) };
}
parentPort?.postMessage(reply);
