// `npm run bench -- quality --run runs/NAME [--out quality-NAME] [--label TEXT]`: the summary of a
// finished quality run (command, plan, mAP50 and mAP50-95 per epoch, final per-class AP, time)
// as bench/results/<out>.json, read from the run folder's plan.json, metrics.csv and
// results.json, and printed as a table. The run itself is an ordinary `kestrel train`, so the
// figures are what a user gets; this script only keeps them beside the other benchmark results.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    run: { type: 'string' },
    out: { type: 'string' },
    label: { type: 'string' },
    command: { type: 'string' },
  },
});
if (!values.run) {
  console.error('Usage: npm run bench -- quality --run runs/NAME [--out FILE-STEM] [--label TEXT] [--command "kestrel train ..."]');
  process.exit(2);
}
const runDir = values.run;
const out = values.out ?? `quality-${basename(runDir)}`;

/** metrics.csv as one record per epoch (empty cells as null). */
function parseCsv(text: string): Array<Record<string, number | null>> {
  const [head, ...rows] = text.trim().split('\n');
  const cols = (head ?? '').split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i] ?? `c${i}`, v === '' ? null : Number(v)])));
}

const readJson = async (f: string): Promise<Record<string, unknown> | null> => JSON.parse(await readFile(f, 'utf8').catch(() => 'null')) as Record<string, unknown> | null;
const plan = (await readJson(join(runDir, 'plan.json'))) as Record<string, unknown> | null;
const results = (await readJson(join(runDir, 'results.json'))) as Record<string, unknown> | null;
const epochs = parseCsv(await readFile(join(runDir, 'metrics.csv'), 'utf8'));
const round = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v * 1000) / 1000);
const map50ByEpoch = epochs.map((e) => round(e.map50));
const map50_95ByEpoch = epochs.map((e) => round(e.map50_95));
const best = (results?.best ?? null) as { map50: number; map50_95: number; epoch: number } | null;
const timings = (results?.timings ?? null) as { totalMs: number } | null;
const perClass = ((results?.perClass ?? []) as Array<{ name: string; ap50: number; ap50_95: number }>).map((c) => ({ name: c.name, ap50: round(c.ap50), ap50_95: round(c.ap50_95) }));

const summary = {
  label: values.label ?? basename(runDir),
  command: values.command ?? null,
  run: basename(runDir),
  plan: plan && {
    backend: plan.backend,
    perDeviceBatch: plan.perDeviceBatch,
    accumulation: plan.accumulation,
    effectiveBatch: plan.effectiveBatch,
    optimizer: plan.optimizer,
    lr: plan.lr,
    warmupSteps: plan.warmupSteps,
    totalSteps: plan.totalSteps,
    epochs: plan.epochs,
  },
  /** mAP50 of the best epoch's weights (what `kestrel val` on weights/best reports). */
  map50: round(best?.map50 ?? null),
  map50_95: round(best?.map50_95 ?? null),
  /** 1-based, as the CLI prints epochs (results.json counts from 0). */
  bestEpoch: best ? best.epoch + 1 : null,
  map50ByEpoch,
  map50_95ByEpoch,
  perClass,
  minutes: timings ? Math.round(timings.totalMs / 600) / 100 : null,
  imagesPerSec: results?.imagesPerSec ?? null,
  recordedAt: new Date().toISOString(),
};

console.log(`Quality run ${summary.label} (${summary.run})`);
console.log('| epoch | mAP50 | mAP50-95 |');
console.log('|---|---|---|');
epochs.forEach((_, i) => console.log(`| ${i + 1} | ${map50ByEpoch[i]?.toFixed(3) ?? '-'} | ${map50_95ByEpoch[i]?.toFixed(3) ?? '-'} |`));
console.log(`best: mAP50 ${summary.map50} / mAP50-95 ${summary.map50_95} (epoch ${summary.bestEpoch}), ${summary.minutes} min`);
for (const c of perClass) console.log(`  ${c.name.padEnd(18)} AP50 ${c.ap50?.toFixed(3)}  AP50-95 ${c.ap50_95?.toFixed(3)}`);
await writeFile(join('bench', 'results', `${out}.json`), JSON.stringify(summary, null, 2) + '\n');
console.log(`wrote bench/results/${out}.json`);
