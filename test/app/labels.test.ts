// The label editor's handlers: only datasets the engineer picked, images only from runs or datasets.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PathGrants } from '../../electron/app/access';
import type { AppContext } from '../../electron/app/handlers';
import { labelsAddImage, labelsGet, labelsSave } from '../../electron/app/labels';
import { dispatch } from '../../electron/app/dispatch';
import { KestrelError } from '../../electron/shared/errors';
import { contract } from '../../electron/shared/ipc-contract';
import { img, makeTree } from '../engine/data/helpers';

function ctxFor(userDataDir: string, grants: PathGrants): AppContext {
  const settings = { get: () => ({ runsDir: null, recentProjects: [] }) };
  return { host: { userDataDir }, settings, grants } as unknown as AppContext;
}

const code = (c: string) => (err: unknown) => err instanceof KestrelError && err.code === c;

test('labels:get / labels:save / labels:addImage on a picked YOLO folder, refused elsewhere', async () => {
  const t = await makeTree({
    'ds/classes.txt': 'crack\nscratch\n',
    'ds/images/train/a.png': img(1, 'png', { w: 80, h: 40 }),
    'ds/labels/train/a.txt': '1 0.5 0.5 0.5 0.5\n',
    'other/x.png': img(2, 'png', { w: 80, h: 40 }),
    'user/runs/r1/predict/p.png': img(3, 'png', { w: 80, h: 40 }),
  });
  try {
    const ds = join(t.dir, 'ds');
    const grants = new PathGrants();
    const ctx = ctxFor(join(t.dir, 'user'), grants);
    await assert.rejects(
      labelsGet(
        ctx,
        contract['labels:get'].req.parse({
          datasetPath: ds,
          file: 'images/train/a.png',
        }),
      ),
      code('LABELS_DATASET_NOT_OPEN'),
    );
    grants.grant(ds);
    const got = await labelsGet(
      ctx,
      contract['labels:get'].req.parse({
        datasetPath: ds,
        file: 'images/train/a.png',
      }),
    );
    assert.ok(contract['labels:get'].res.safeParse(got).success);
    assert.deepEqual(got.boxes, [{ x1: 20, y1: 10, x2: 60, y2: 30, cls: 1, key: 'l0' }]);
    assert.match(got.imageUrl, /^data:image\/jpeg;base64,/);
    await assert.rejects(
      labelsGet(
        ctx,
        contract['labels:get'].req.parse({
          datasetPath: ds,
          file: join(t.dir, 'other/x.png'),
        }),
      ),
      code('LABELS_OUTSIDE_DATASET'),
    );

    const saved = await labelsSave(
      ctx,
      contract['labels:save'].req.parse({
        datasetPath: ds,
        file: got.image,
        boxes: [{ ...got.boxes[0]!, cls: 0 }],
        version: got.version,
      }),
    );
    assert.ok(contract['labels:save'].res.safeParse(saved).success);
    assert.equal(await readFile(join(ds, 'labels/train/a.txt'), 'utf8'), '0 0.5 0.5 0.5 0.5\n');

    await assert.rejects(
      labelsAddImage(
        ctx,
        contract['labels:addImage'].req.parse({
          datasetPath: ds,
          source: join(t.dir, 'other/x.png'),
          boxes: [],
        }),
      ),
      code('LABELS_SOURCE_NOT_ALLOWED'),
    );
    const added = await labelsAddImage(
      ctx,
      contract['labels:addImage'].req.parse({
        datasetPath: ds,
        source: join(t.dir, 'user/runs/r1/predict/p.png'),
        boxes: [{ x1: 0, y1: 0, x2: 8, y2: 4, cls: 1, key: null }],
      }),
    );
    assert.equal(added.image, join(ds, 'images/train/p.png'));
    assert.equal(await readFile(join(ds, 'labels/train/p.txt'), 'utf8'), '1 0.050000 0.050000 0.100000 0.100000\n');

    // Review mode: a predict output image from the runs folder, with the dataset's classes and no boxes.
    const rev = await labelsGet(ctx, contract['labels:get'].req.parse({ datasetPath: ds, file: join(t.dir, 'user/runs/r1/predict/p.png'), review: true }));
    assert.deepEqual([rev.boxes, rev.classNames, rev.labelExists, rev.width], [[], ['crack', 'scratch'], false, 80]);
    await assert.rejects(labelsGet(ctx, contract['labels:get'].req.parse({ datasetPath: ds, file: join(t.dir, 'other/x.png'), review: true })), code('LABELS_SOURCE_NOT_ALLOWED'));

    // Through the contract: a bad request never reaches the handler, a coded error keeps its code.
    const handlers = {
      'labels:get': (req: never) => labelsGet(ctx, req),
    } as never;
    const bad = await dispatch(handlers, 'labels:get', { datasetPath: ds });
    assert.equal(bad.ok, false);
    await mkdir(join(ds, 'images/val'), { recursive: true });
    await writeFile(join(ds, 'images/val/broken.png'), 'not an image');
    const r = await dispatch(handlers, 'labels:get', {
      datasetPath: ds,
      file: 'images/val/broken.png',
    });
    assert.equal(r.ok ? '' : r.error.code, 'LABELS_IMAGE_UNREADABLE');
  } finally {
    await t.cleanup();
  }
});
