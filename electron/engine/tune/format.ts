/**
 * Text views of a tune (pure): the LR range test's curve as a small table with a bar per row,
 * the search's table (one row per trial, one column per rung), and the `kestrel train` command
 * line that trains with a result.
 */
import type { LrFindResult, SearchState } from '../../shared/schemas/tune';
import type { UserOverrides } from '../../shared/schemas/user-choice';
import { winner } from './scheduler';

const lrText = (x: number) => x.toExponential(2);

/**
 * The LR range test as text: about `rows` evenly spaced steps (always the lowest-loss step and
 * the last), each with its LR, smoothed loss and a bar of its height, then the choice and reasons.
 */
export function formatLrFind(r: LrFindResult, rows = 16): string {
  const c = r.curve;
  const lines = [
    `LR range test: ${c.length} of ${r.settings.steps} steps, LR ${lrText(r.settings.lrMin)} to ${lrText(r.settings.lrMax)}; plan: ${r.plan.optimizer === 'sgd' ? 'SGD' : 'AdamW'}, LR ${r.plan.lr.toPrecision(3)}, batch ${r.plan.perDeviceBatch} x ${r.plan.accumulation} = ${r.plan.effectiveBatch} (${r.backend}, ${r.seconds.toFixed(0)} s)`,
    '',
  ];
  if (c.length > 0) {
    // The lowest point the choice read (its lag-free trend), else the running average's lowest.
    const chosenMin = c.findIndex((p) => p.lr === r.choice.minLossLr);
    const minIdx = chosenMin >= 0 ? chosenMin : c.reduce((m, p, i) => (p.smooth < c[m]!.smooth ? i : m), 0);
    const pick = new Set<number>([minIdx, c.length - 1]);
    for (let k = 0; k < rows; k++) pick.add(Math.round((k * (c.length - 1)) / Math.max(1, rows - 1)));
    const idx = [...pick].sort((a, b) => a - b);
    const lo = Math.min(...idx.map((i) => c[i]!.smooth));
    const hi = Math.max(...idx.map((i) => c[i]!.smooth));
    lines.push('   step          LR     loss   smooth   (smooth: running average; the choice reads a centred one)');
    for (const i of idx) {
      const p = c[i]!;
      const bar = '#'.repeat(1 + Math.round(((p.smooth - lo) / Math.max(1e-12, hi - lo)) * 30));
      lines.push(`  ${String(p.step).padStart(5)}  ${lrText(p.lr).padStart(10)}  ${p.loss.toFixed(3).padStart(7)}  ${p.smooth.toFixed(3).padStart(7)}  ${bar}${i === minIdx ? '  <- lowest' : ''}`);
    }
    lines.push('');
  }
  if (r.stopped) lines.push(r.stopped.message);
  lines.push(`Chosen LR: ${r.choice.lr.toPrecision(3)} (rule ${r.choice.rule}${r.choice.clamped ? `, clamped from ${r.choice.raw.toPrecision(3)}` : ''})`);
  for (const why of r.choice.reasons) lines.push(`  - ${why.message}`);
  return lines.join('\n');
}

/** The search's table: each trial's knobs and its fitness (mAP50) at every rung it reached; the winner marked. */
export function formatSearchTable(state: SearchState): string {
  const s = state.settings;
  const w = winner(state.trials);
  const show = (k: 'warmupEpochs' | 'weightDecay') => s.applied.includes(k);
  const head = ['trial', 'LR', 'augment', ...(show('warmupEpochs') ? ['warmup ep'] : []), ...(show('weightDecay') ? ['wd'] : []), ...s.rungEpochs.map((e, r) => `rung ${r} (${e} ep)`)];
  const rows: string[][] = [head];
  for (const t of state.trials) {
    const cells = [
      `${String(t.id).padStart(2, '0')}${w?.id === t.id ? ' *' : ''}`,
      t.params.lr.toPrecision(3),
      t.params.augment,
      ...(show('warmupEpochs') ? [String(t.params.warmupEpochs)] : []),
      ...(show('weightDecay') ? [t.params.weightDecay.toPrecision(3)] : []),
      ...s.rungEpochs.map((_, r) => {
        const x = t.results.find((q) => q.rung === r);
        return x ? `${x.fitness.toFixed(3)} (${x.map50.toFixed(3)})` : '-';
      }),
    ];
    rows.push(cells);
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const body = rows.map((r) => '  ' + r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  return [`Search: ${state.trials.length} trials, rungs of ${s.rungEpochs.join(' / ')} epochs, the best 1/${s.eta} continue; planned LR ${s.plannedLr.toPrecision(3)} (${s.optimizer === 'sgd' ? 'SGD' : 'AdamW'}). Cells: fitness (mAP50); * the winner.`, '', ...body].join('\n');
}

/** `kestrel train`'s flag of each plan override it takes (effective batch and memory share are the app's and `kestrel plan`'s). */
const TRAIN_FLAG_OF: { readonly [K in keyof UserOverrides]?: string } = {
  batch: '--batch',
  accumulation: '--accumulate',
  lr: '--lr',
  optimizer: '--optimizer',
  warmupEpochs: '--warmup-epochs',
  weightDecay: '--weight-decay',
};

/** The `kestrel train` command line of a tune's result: the dataset, the network, the epochs when given and each override as its flag. */
export function trainCommand(datasetPath: string, model: { scale: string; imgsz: number }, overrides: UserOverrides, epochs?: number): string {
  const flags = Object.entries(overrides).flatMap(([k, v]) => {
    const flag = TRAIN_FLAG_OF[k as keyof UserOverrides];
    return flag !== undefined && v !== undefined ? [`${flag} ${v}`] : [];
  });
  return ['kestrel train', `--data ${datasetPath}`, `--model ${model.scale}`, `--imgsz ${model.imgsz}`, ...(epochs !== undefined ? [`--epochs ${epochs}`] : []), ...flags].join(' ');
}
