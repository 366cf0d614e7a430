import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { KestrelError } from '../../../electron/shared/errors';
import { DatasetReportSchema } from '../../../electron/shared/schemas/dataset-report';
import { checkDataset } from '../../../electron/engine/data/check/index';
import { importDataset } from '../../../electron/engine/data/import/index';
import { PROBLEM_SEVERITY } from '../../../electron/engine/data/import/problems';
import { FIXTURE_VERSION, HAZARD_CASES, MALFORMED_CASES, MALFORMED_DIR, makeMalformedFixtures } from '../../fixtures/make-malformed';

// Problems every case may show besides its own: its unused class "b".
const BACKGROUND_NOISE = new Set(['DS_CLASS_NO_BOXES']);

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const go = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) go(p);
      else out.push(relative(dir, p));
    }
  };
  go(dir);
  return out.sort();
}

test('the malformed corpus is committed, current and has at least 30 cases', async () => {
  assert.ok(MALFORMED_CASES.length >= 30, `${MALFORMED_CASES.length} cases`);
  assert.equal(new Set(MALFORMED_CASES.map((c) => c.name)).size, MALFORMED_CASES.length, 'case names are unique');
  const manifestFile = join(MALFORMED_DIR, 'manifest.json');
  assert.ok(existsSync(manifestFile), 'test/fixtures/malformed is missing: run node --import tsx test/fixtures/make-malformed.ts');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { version: number };
  assert.equal(manifest.version, FIXTURE_VERSION, 'fixtures are stale: rerun test/fixtures/make-malformed.ts');
  // Regenerate elsewhere: same files, same text (images are compared by name only, as encoders may differ by platform).
  const fresh = await mkdtemp(join(tmpdir(), 'kestrel-malformed-'));
  try {
    await makeMalformedFixtures(fresh);
    const a = listFiles(MALFORMED_DIR);
    assert.deepEqual(a, listFiles(fresh));
    for (const f of a.filter((n) => /\.(txt|xml|json|yaml)$/.test(n))) {
      assert.equal(await readFile(join(MALFORMED_DIR, f), 'utf8'), await readFile(join(fresh, f), 'utf8'), f);
    }
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
});

test('every problem code of the catalogue has a malformed case or a dedicated test', () => {
  const covered = new Set(MALFORMED_CASES.map((c) => ('fatal' in c.expect ? c.expect.fatal : 'code' in c.expect ? c.expect.code : '')));
  // Covered by hazards.test.ts (FIFOs, links, walk limits: built at test time, not committed).
  const elsewhere = new Set<string>(HAZARD_CASES.flatMap((c) => ('fatal' in c.expect ? [c.expect.fatal, c.expect.problem ?? ''] : [c.expect.code])));
  const missing = Object.keys(PROBLEM_SEVERITY).filter((c) => !covered.has(c) && !elsewhere.has(c));
  assert.deepEqual(missing, []);
});

for (const c of MALFORMED_CASES) {
  test(`malformed case ${c.name}`, async () => {
    const dir = join(MALFORMED_DIR, c.name);
    const entry = join(dir, c.entry);
    const e = c.expect;
    if ('fatal' in e) {
      await assert.rejects(checkDataset(entry), (err: unknown) => err instanceof KestrelError && err.code === e.fatal && err.message.length > 20);
      await assert.rejects(importDataset(entry), (err: unknown) => {
        if (!(err instanceof KestrelError) || err.code !== e.fatal) return false;
        // The error names the problem that caused it, not just a count.
        if (e.problem !== undefined) {
          const ps = (err.details?.['problems'] ?? []) as { code: string }[];
          assert.ok(ps.some((p) => p.code === e.problem), `${e.problem} in ${JSON.stringify(ps.map((p) => p.code))}`);
          assert.match(err.message, new RegExp(e.problem));
        }
        assert.doesNotMatch(err.message, /Run `kestrel dataset check`/);
        return true;
      });
      return;
    }
    const report = await checkDataset(entry);
    DatasetReportSchema.parse(report);
    if ('clean' in e) {
      assert.deepEqual(report.problems.filter((p) => !BACKGROUND_NOISE.has(p.code)).map((p) => [p.code, p.file, p.message]), []);
      assert.equal(report.totals.usable, e.clean.usable);
      assert.equal(report.totals.boxes, e.clean.boxes);
      if (e.clean.classNames) assert.deepEqual(report.classNames, e.clean.classNames);
      return;
    }
    const file = e.file === null ? null : resolve(dir, e.file);
    const hit = report.problems.find((p) => p.code === e.code && p.file === file && p.line === e.line);
    assert.ok(hit, `expected ${e.code} at ${e.file}:${e.line}; got ${JSON.stringify(report.problems.map((p) => [p.code, p.file && relative(dir, p.file), p.line]))}`);
    assert.ok(hit.message.length > 10 && !/\{\w+\}/.test(hit.message), `message filled: ${hit.message}`);
    assert.ok(hit.fix.length > 10 && !/\{\w+\}/.test(hit.fix), `fix filled: ${hit.fix}`);
    assert.equal(hit.severity, PROBLEM_SEVERITY[e.code as keyof typeof PROBLEM_SEVERITY]);
    // The case isolates one breakage: nothing else is reported.
    const others = report.problems.filter((p) => p !== hit && p.code !== e.code && !BACKGROUND_NOISE.has(p.code));
    assert.deepEqual(others.map((p) => p.code), []);
    // The good sample always survives.
    assert.ok(report.totals.usable >= 1);
  });
}

test('bad samples are skipped, good ones kept', async () => {
  const r = await checkDataset(join(MALFORMED_DIR, 'yolo-class-out-of-range'));
  assert.equal(r.totals.found, 2);
  assert.equal(r.totals.usable, 1);
  assert.equal(r.totals.skipped, 1);
  // A zero-area box is dropped alone; its image stays with its good box.
  const z = await importDataset(join(MALFORMED_DIR, 'yolo-zero-area'));
  const bad = z.splits.train.find((rec) => rec.id === 'images/bad');
  assert.equal(bad?.boxes.length, 1);
  // A duplicate box is kept (counts stay as the user knows them) and reported.
  const d = await importDataset(join(MALFORMED_DIR, 'yolo-duplicate-box'));
  assert.equal(d.splits.train.find((rec) => rec.id === 'images/bad')?.boxes.length, 2);
  // An image without a label file is a background image.
  const bg = await checkDataset(join(MALFORMED_DIR, 'yolo-image-without-label'));
  assert.equal(bg.totals.background, 1);
  // Import (headers only) does not see a truncated file; check (full decode) does.
  const t = await importDataset(join(MALFORMED_DIR, 'image-truncated-jpeg'));
  assert.equal(t.splits.train.length, 2);
});

test('a YAML that cannot be read makes the folder fall back to its YOLO tree', async () => {
  const ds = await importDataset(join(MALFORMED_DIR, 'yaml-unreadable'));
  assert.equal(ds.format, 'yolo');
  assert.deepEqual(ds.classNames, ['a', 'b']);
  assert.ok(ds.problems.some((p) => p.code === 'DS_YAML_UNREADABLE'));
});
