// Worker-thread side of the loader: builds the batches the main thread asks for and hands the
// pixel buffers over by transfer (no copy).
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorInfo } from '../../../shared/errors';
import { BatchBuilder, batchTransferList, type BatchRequest, type BuilderConfig } from './build';

const port = parentPort;
if (!port) throw new Error('loader worker started outside a worker thread');
const builder = new BatchBuilder(workerData as BuilderConfig);

port.on('message', (req: BatchRequest) => {
  builder.build(req).then(
    (batch) => port.postMessage({ id: req.id, batch, decodes: builder.decodes }, batchTransferList(batch)),
    (err: unknown) => port.postMessage({ id: req.id, error: toErrorInfo(err, 'DATASET_LOADER_FAILED') }),
  );
});
