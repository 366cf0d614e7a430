// The hazard corpus (FIFOs, link loops, huge and deep trees): each case is built in a temp
// folder, checked under a deadline (a hang fails the test instead of stalling the suite), and
// must report its code, count each real file once, and never crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { KestrelError } from '../../../electron/shared/errors';
import { importDatasetDetailed } from '../../../electron/engine/data/import/index';
import { buildReport } from '../../../electron/engine/data/check/report';
import { HAZARD_CASES, buildHazard } from '../../fixtures/make-malformed';

const posix = process.platform !== 'win32';

/** Rejects when `p` takes longer than `ms`: a FIFO that blocks would otherwise hang forever. */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

for (const c of HAZARD_CASES) {
  test(`hazard case ${c.name}`, { skip: posix ? false : 'FIFOs and links need a POSIX system' }, async () => {
    const dir = await mkdtemp(join(tmpdir(), `kestrel-hazard-${c.name}-`));
    try {
      await buildHazard(c, dir);
      const entry = join(dir, c.entry);
      const run = importDatasetDetailed(entry, { probe: 'full', walkLimits: c.walkLimits });
      const e = c.expect;
      if ('fatal' in e) {
        await assert.rejects(within(20_000, run), (err: unknown) => {
          assert.ok(err instanceof KestrelError, String(err));
          assert.equal(err.code, e.fatal, err.message);
          if (e.problem !== undefined) {
            const ps = (err.details?.['problems'] ?? []) as { code: string }[];
            assert.ok(ps.some((p) => p.code === e.problem), JSON.stringify(ps.map((p) => p.code)));
          }
          return true;
        });
        return;
      }
      const { dataset, extras } = await within(20_000, run);
      const report = buildReport(dataset, { found: extras.totalImages, skipped: extras.skippedImages, imgsz: 640 });
      const file = e.file === null ? null : resolve(dir, e.file);
      const hit = report.problems.find((p) => p.code === e.code && p.file === file);
      assert.ok(hit, `expected ${e.code} at ${e.file}; got ${JSON.stringify(report.problems.map((p) => [p.code, p.file && relative(dir, p.file)]))}`);
      assert.ok(!/\{\w+\}/.test(hit.message) && !/\{\w+\}/.test(hit.fix), hit.message);
      if (c.usable !== undefined) assert.equal(report.totals.usable, c.usable, 'each real file counted once');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
