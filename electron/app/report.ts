/**
 * The run report for the quality manager: report.html in the run folder, built only from the
 * run's own files (config.json, plan.json, results.json, thresholds.json,
 * val-predictions.json, metrics.csv, plots/*.png) plus what the handler knows of the dataset
 * and the machine. Plain HTML with print CSS, so "Print to PDF" in any browser makes the PDF.
 * The curves (plots/loss.png, map.png, pr.png, lr.png) are drawn by the renderer's uPlot; the
 * confusion matrix (plots/confusion.png) is a heat map drawn here, by Apache ECharts (rendered
 * to SVG without a browser) and sharp, from the same counts the Results view shows.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../engine/runs/atomic';
import { rethrowFsError } from '../engine/runs/fs-errors';
import { summarizeAtThresholds } from '../engine/predict/verdict';
import { confByClass, type Thresholds } from '../shared/schemas/thresholds';
import { EvaluationResultSchema, type EvaluationResult } from '../shared/schemas/evaluation';
import type { Locale } from '../shared/messages/index';
import { fillTemplate, formatReason, reason, type Reason } from '../shared/reason';
import { KestrelError } from '../shared/errors';
import { matchImage, type DetBox } from '../shared/match';
import { confusionAt, type ConfusionImage } from '../shared/confusion';
import { readValPredictions } from './predict';
import { REPORT_PLOT_NAMES } from '../shared/schemas/ipc/predict';
import { makeThumb, scaleBox } from './thumbs';
import { RUN_FILES } from './runs';

/** The report's file name inside the run folder. */
export const REPORT_FILE = 'report.html';
/** The confusion matrix's plot, drawn by main (plots/confusion.png). */
export const CONFUSION_PLOT = 'confusion';
/** Its size in pixels. */
export const CONFUSION_PNG_SIZE = { width: 800, height: 640 } as const;
/** Plot images the report shows when the run folder has them (the renderer's via report:savePlots, then main's). */
export const REPORT_PLOTS = [...REPORT_PLOT_NAMES, CONFUSION_PLOT] as const;
/** Worst validation images shown. */
const WORST = 6;

/** What the handler adds to the run's files: the dataset's state and the machine. */
export interface ReportExtras {
  title?: string;
  note?: string;
  dataset?: { path: string; classNames: string[]; trainImages: number; valImages: number; problems: { code: string; message: string; file?: string | null | undefined }[] } | null;
  hardware?: { cpu: string; gpus: string[]; ramBytes: number | null } | null;
  now?: Date;
}

const T = {
  en: {
    title: 'Training report',
    generated: 'Made by Kestrel on {date}.',
    verdict: 'Verdict at the chosen thresholds',
    verdictText:
      'On the {images} validation images, the model found {found} of {defects} and missed {missed}; it raised {fa}. {escapes} of {bad} would have passed (escapes) and {overkill} of {good} would have been rejected (overkill).',
    noPreds: 'This run saved no validation predictions, so no verdict can be given.',
    dataset: 'Dataset',
    datasetText: '{path}: {train} training and {val} validation images, classes {classes}.',
    problems: 'Problems found in the dataset',
    noProblems: 'No problems were found in the dataset.',
    plan: 'The plan',
    metrics: 'Figures per class at the thresholds',
    cls: 'Class',
    threshold: 'Threshold',
    found: 'Found',
    missed: 'Missed',
    fa: 'False alarms',
    precision: 'Precision',
    recall: 'Recall',
    none: '–',
    overall: 'Overall: mAP50 {map50}, mAP50-95 {map}.',
    confusion: 'Mistakes between classes',
    confusionIntro: 'At the thresholds in the table above, as the Results view counts them. A missed defect is one the model did not report at all; a false alarm is a report where there is no defect.',
    confusionIntroEval: 'Read at the evaluation’s confidence {conf} (this run saved no validation predictions). A missed defect is one the model did not report at all; a false alarm is a report where there is no defect.',
    confusionLine: '{name}: {found} of {total} found, {missed} missed, {mixed} reported as another class ({others}); {fa}.',
    worst: 'Images with the most mistakes',
    worstCaption: '{file}: {missed} missed, {fa} false alarms. Magenta: the defect as labelled; coloured dashed: what the model reported.',
    machine: 'Machine and training time',
    machineText: 'Trained on {device} ({backend}) for {epochs} epochs in {time}, {ips} images per second.',
    cpu: 'Processor: {cpu}. Graphics cards: {gpus}.',
    noGpu: 'none',
    plots: 'Charts',
    cmTitle: 'Confusion matrix at the thresholds',
    cmTitleEval: 'Confusion matrix at confidence {conf}',
    cmHint: 'Bottom row: defects the model missed. Last column: false alarms (a defect reported where there is none).',
    cmPredicted: 'Predicted',
    cmTrue: 'True',
    cmBackground: 'background',
    cmMissed: 'missed',
    note: 'Note',
    print: 'To make a PDF, print this page and choose “Save as PDF”.',
  },
  zh: {
    title: '训练报告',
    generated: '由 Kestrel 于 {date} 生成。',
    verdict: '所选阈值下的判定',
    verdictText:
      '在 {images} 张验证图像上，模型找到了 {defects}中的 {found} 个，漏检 {missed} 个；产生 {fa}。{bad}中有 {escapes} 个会被放行（漏判），{good}中有 {overkill} 个会被拒收（误判）。',
    noPreds: '该运行没有保存验证预测，因此无法给出判定。',
    dataset: '数据集',
    datasetText: '{path}：{train} 张训练图像、{val} 张验证图像，类别 {classes}。',
    problems: '数据集中发现的问题',
    noProblems: '数据集中未发现问题。',
    plan: '训练计划',
    metrics: '各类别在所选阈值下的指标',
    cls: '类别',
    threshold: '阈值',
    found: '检出',
    missed: '漏检',
    fa: '误报',
    precision: '精确率',
    recall: '召回率',
    none: '–',
    overall: '总体：mAP50 {map50}，mAP50-95 {map}。',
    confusion: '类别之间的错误',
    confusionIntro: '按上表中的阈值统计，与结果视图相同。漏检是模型完全没有报告的缺陷；误报是在没有缺陷的地方报告了缺陷。',
    confusionIntroEval: '按评估置信度 {conf} 统计（该运行没有保存验证预测）。漏检是模型完全没有报告的缺陷；误报是在没有缺陷的地方报告了缺陷。',
    confusionLine: '{name}：{total} 个中检出 {found} 个，漏检 {missed} 个，{mixed} 个被报告为其他类别（{others}）；{fa}。',
    worst: '错误最多的图像',
    worstCaption: '{file}：漏检 {missed} 个，误报 {fa} 次。洋红色：标注的缺陷；彩色虚线：模型的报告。',
    machine: '设备与训练时间',
    machineText: '在 {device}（{backend}）上训练 {epochs} 轮，用时 {time}，每秒 {ips} 张图像。',
    cpu: '处理器：{cpu}。显卡：{gpus}。',
    noGpu: '无',
    plots: '图表',
    cmTitle: '所选阈值下的混淆矩阵',
    cmTitleEval: '置信度 {conf} 下的混淆矩阵',
    cmHint: '最后一行：模型漏检的缺陷。最后一列：误报（在没有缺陷的地方报告了缺陷）。',
    cmPredicted: '预测',
    cmTrue: '真实',
    cmBackground: '背景',
    cmMissed: '漏检',
    note: '备注',
    print: '要生成 PDF，请打印此页面并选择“另存为 PDF”。',
  },
} as const;
type Key = keyof (typeof T)['en'];

const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#8c564b', '#F0E442', '#7f7f7f', '#17becf'];

/** Escapes text for HTML. */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

async function readJson(file: string): Promise<Record<string, unknown> | null> {
  try {
    const v: unknown = JSON.parse(await readFile(file, 'utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch (_err) {
    return null;
  }
}

/** The final evaluation in results.json (older runs kept it under `final`, or as the whole file). */
function evaluationOf(results: Record<string, unknown> | null): EvaluationResult | null {
  const parsed = EvaluationResultSchema.safeParse(results ? (results['evaluation'] ?? results['final'] ?? results) : null);
  return parsed.success ? parsed.data : null;
}

function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

/** Builds the report's HTML (no file written): pure over what was read, so it is unit-tested. */
export async function buildReport(runDir: string, runId: string, locale: Locale, thresholds: Thresholds, extras: ReportExtras = {}): Promise<string> {
  const tr = (k: Key, p: Record<string, string | number> = {}) => T[locale][k].replace(/\{(\w+)\}/g, (m, name: string) => (name in p ? esc(p[name]!) : m));
  const nf = new Intl.NumberFormat(locale === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: 3 });
  // Counted nouns: "1 defect", "9 defects" (Chinese has one form).
  const counted = (n: number, en: [string, string], zh: string) => (locale === 'zh' ? `${n} ${zh}` : `${n} ${n === 1 ? en[0] : en[1]}`);
  const m3 = (v: number) => new Intl.NumberFormat(locale === 'zh' ? 'zh-CN' : 'en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(v);
  const pct = (v: number | null) => (v === null ? T[locale].none : `${nf.format(Math.round(v * 1000) / 10)}%`);
  const results = await readJson(join(runDir, RUN_FILES.results));
  const planRaw = (results?.['plan'] as Record<string, unknown> | undefined) ?? (await readJson(join(runDir, RUN_FILES.plan)));
  const ev = evaluationOf(results);
  const preds = await readValPredictions(runDir);
  const classNames = preds?.classNames ?? ev?.perClass.map((c) => c.name) ?? extras.dataset?.classNames ?? [];
  const confs = confByClass(thresholds, classNames);
  const parts: string[] = [];
  const now = extras.now ?? new Date();

  parts.push(`<h1>${esc(T[locale].title)}: ${esc(extras.title || runId)}</h1>`);
  parts.push(`<p class="muted">${tr('generated', { date: now.toLocaleString(locale === 'zh' ? 'zh-CN' : 'en-US') })} ${esc(runId)} · <span class="noprint">${tr('print')}</span></p>`);
  if (extras.note) parts.push(`<p class="note"><strong>${tr('note')}:</strong> ${esc(extras.note)}</p>`);

  // The verdict first: what a quality manager asks.
  parts.push(`<h2>${tr('verdict')}</h2>`);
  const summary = preds ? summarizeAtThresholds(preds.images, classNames, { byClass: confs, fallback: thresholds.defaultConf }) : null;
  if (summary && preds) {
    parts.push(
      `<p class="lead" id="verdict">${tr('verdictText', {
        images: preds.images.length,
        found: summary.found,
        defects: counted(summary.found + summary.missed, ['defect', 'defects'], '个缺陷'),
        missed: summary.missed,
        fa: counted(summary.falseAlarms, ['false alarm', 'false alarms'], '次误报'),
        escapes: summary.escapes,
        bad: counted(summary.badImages, ['bad part', 'bad parts'], '个不良品'),
        overkill: summary.overkill,
        good: counted(summary.goodImages, ['good part', 'good parts'], '个良品'),
      })}</p>`,
    );
  } else parts.push(`<p>${tr('noPreds')}</p>`);

  // Figures per class at the thresholds.
  parts.push(`<h2>${tr('metrics')}</h2>`);
  if (ev) parts.push(`<p>${tr('overall', { map50: m3(ev.map50), map: m3(ev.map50_95) })}</p>`);
  const rows = classNames.map((name, c) => {
    const o = summary?.classes[c];
    const ap = ev?.perClass.find((p) => p.name === name);
    const p = o && o.found + o.falseAlarms > 0 ? o.found / (o.found + o.falseAlarms) : null;
    const r = o && o.found + o.missed > 0 ? o.found / (o.found + o.missed) : null;
    return `<tr><td>${esc(name)}</td><td class="num">${nf.format(confs[c] ?? thresholds.defaultConf)}</td><td class="num">${o?.found ?? '–'}</td><td class="num">${o?.missed ?? '–'}</td><td class="num">${o?.falseAlarms ?? '–'}</td><td class="num">${pct(p)}</td><td class="num">${pct(r)}</td><td class="num">${ap ? nf.format(ap.ap50) : '–'}</td><td class="num">${ap ? nf.format(ap.ap50_95) : '–'}</td></tr>`;
  });
  parts.push(
    `<table id="per-class"><thead><tr><th>${tr('cls')}</th><th class="num">${tr('threshold')}</th><th class="num">${tr('found')}</th><th class="num">${tr('missed')}</th><th class="num">${tr('fa')}</th><th class="num">${tr('precision')}</th><th class="num">${tr('recall')}</th><th class="num">AP50</th><th class="num">AP50-95</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
  );

  // The confusion matrix in words: missed, mixed up, false alarms (the counts plots/confusion.png draws).
  const cm = reportConfusion(preds, ev, thresholds);
  if (cm) {
    const m = cm.matrix;
    const bg = cm.classNames.length;
    const labels = [...cm.classNames, 'background'];
    parts.push(`<h2>${tr('confusion')}</h2><p class="muted">${cm.atThresholds ? tr('confusionIntro') : tr('confusionIntroEval', { conf: nf.format(cm.conf) })}</p><ul id="confusion">`);
    for (let c = 0; c < bg; c++) {
      const total = m.reduce((a, row) => a + (row[c] ?? 0), 0);
      const found = m[c]?.[c] ?? 0;
      const missed = m[bg]?.[c] ?? 0;
      const others = m
        .map((row, i) => ({ name: labels[i] ?? '', n: i !== c && i !== bg ? (row[c] ?? 0) : 0 }))
        .filter((o) => o.n > 0)
        .map((o) => `${o.name} ${o.n}`);
      const mixed = total - found - missed;
      const fa = m[c]?.[bg] ?? 0;
      parts.push(`<li>${tr('confusionLine', { name: labels[c] ?? '', found, total, missed, mixed, others: others.join(', ') || '–', fa: counted(fa, ['false alarm', 'false alarms'], '次误报') })}</li>`);
    }
    parts.push('</ul>');
  }

  // The worst images, with their boxes drawn as SVG over the picture.
  if (preds && preds.images.length) {
    const ranked = preds.images
      .map((img) => {
        const kept = img.detections.filter((d) => d.score >= (confs[d.cls] ?? thresholds.defaultConf));
        const mm = matchImage(img.truths, kept, 0);
        return { img, kept, missed: mm.fn, fa: mm.fp };
      })
      .filter((x) => x.missed + x.fa > 0)
      .sort((a, b) => b.missed + b.fa - (a.missed + a.fa))
      .slice(0, WORST);
    if (ranked.length) {
      parts.push(`<h2>${tr('worst')}</h2><div class="worst">`);
      for (const w of ranked) {
        try {
          const t = await makeThumb(w.img.file, 320, w.img.width);
          const rect = (b: { x1: number; y1: number; x2: number; y2: number }, color: string, dash: boolean) =>
            `<rect x="${b.x1.toFixed(1)}" y="${b.y1.toFixed(1)}" width="${(b.x2 - b.x1).toFixed(1)}" height="${(b.y2 - b.y1).toFixed(1)}" fill="none" stroke="#000" stroke-width="4"/><rect x="${b.x1.toFixed(1)}" y="${b.y1.toFixed(1)}" width="${(b.x2 - b.x1).toFixed(1)}" height="${(b.y2 - b.y1).toFixed(1)}" fill="none" stroke="${color}" stroke-width="2"${dash ? ' stroke-dasharray="5 3"' : ''}/>`;
          const svg = [...w.img.truths.map((b) => rect(scaleBox(b, t.scale), '#FF00FF', false)), ...w.kept.map((d) => rect(scaleBox(d, t.scale), PALETTE[d.cls % PALETTE.length]!, true))].join('');
          parts.push(
            `<figure><svg viewBox="0 0 ${t.width} ${t.height}" width="${t.width}" height="${t.height}"><image href="${t.url}" width="${t.width}" height="${t.height}"/>${svg}</svg><figcaption>${tr('worstCaption', { file: basename(w.img.file), missed: w.missed, fa: w.fa })}</figcaption></figure>`,
          );
        } catch (_err) {
          // An image that cannot be read any more: the report leaves it out.
        }
      }
      parts.push('</div>');
    }
  }

  // Dataset summary and its problems.
  parts.push(`<h2>${tr('dataset')}</h2>`);
  const ds = extras.dataset;
  const job = await readJson(join(runDir, RUN_FILES.job));
  const dsPath = ds?.path ?? (typeof job?.['datasetPath'] === 'string' ? job['datasetPath'] : '–');
  parts.push(`<p>${tr('datasetText', { path: dsPath, train: ds?.trainImages ?? (planRaw?.['trainImages'] as number | undefined) ?? '–', val: ds?.valImages ?? ev?.imageCount ?? '–', classes: classNames.join(', ') })}</p>`);
  if (ds) {
    if (ds.problems.length === 0) parts.push(`<p>${tr('noProblems')}</p>`);
    else {
      const byCode = new Map<string, { message: string; files: string[] }>();
      for (const p of ds.problems) {
        const g = byCode.get(p.code) ?? { message: p.message, files: [] };
        if (p.file) g.files.push(basename(p.file));
        byCode.set(p.code, g);
      }
      parts.push(`<h3>${tr('problems')}</h3><ul>`);
      for (const [code, g] of byCode) parts.push(`<li><code>${esc(code)}</code> × ${g.files.length || 1}: ${esc(g.message)}${g.files.length ? ` <span class="muted">(${esc(g.files.slice(0, 5).join(', '))}${g.files.length > 5 ? ', …' : ''})</span>` : ''}</li>`);
      parts.push('</ul>');
    }
  }

  // The plan in one paragraph, and the machine.
  if (planRaw) {
    const reasons = Array.isArray(planRaw['reasons']) ? (planRaw['reasons'] as Reason[]) : [];
    parts.push(`<h2>${tr('plan')}</h2><p>${reasons.map((r) => esc(formatReason(r, locale))).join(' ')}</p>`);
    const device = (planRaw['device'] as { name?: string } | undefined)?.name ?? '–';
    const timings = results?.['timings'] as { totalMs?: number } | undefined;
    const ips = results?.['imagesPerSec'];
    parts.push(
      `<h2>${tr('machine')}</h2><p>${tr('machineText', {
        device,
        backend: String(planRaw['backend'] ?? '–'),
        epochs: typeof results?.['epochsRun'] === 'number' ? results['epochsRun'] : String(planRaw['epochs'] ?? '–'),
        time: typeof timings?.totalMs === 'number' ? fmtDuration(timings.totalMs) : '–',
        ips: typeof ips === 'number' ? nf.format(Math.round(ips * 10) / 10) : '–',
      })}</p>`,
    );
  }
  if (extras.hardware) parts.push(`<p>${tr('cpu', { cpu: extras.hardware.cpu, gpus: extras.hardware.gpus.join(', ') || T[locale].noGpu })}</p>`);

  // The plots written next to the report.
  const plots: string[] = [];
  for (const name of REPORT_PLOTS) {
    if (await stat(join(runDir, 'plots', `${name}.png`)).then(() => true, () => false)) plots.push(`<img src="plots/${name}.png" alt="${esc(name)}">`);
  }
  if (plots.length) parts.push(`<h2>${tr('plots')}</h2><div class="plots">${plots.join('')}</div>`);

  return `<!doctype html>
<html lang="${locale === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${esc(T[locale].title)}: ${esc(extras.title || runId)}</title>
<style>
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1d2330;max-width:1000px;margin:24px auto;padding:0 20px}
h1{font-size:24px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #d8dde6;padding-bottom:4px}
.muted{color:#4b5563}.lead{font-size:16px}.note{background:#f3f5f8;padding:8px 12px;border-radius:6px}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e3e7ee;padding:4px 8px;text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}
.worst{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}figure{margin:0}figure svg{max-width:100%;height:auto}figcaption{font-size:13px;color:#4b5563}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:12px}.plots img{max-width:100%;border:1px solid #e3e7ee}
@media print{.noprint{display:none}body{margin:0}h2{break-after:avoid}figure,tr{break-inside:avoid}}
</style></head><body>
${parts.join('\n')}
</body></html>
`;
}

/** Writes report.html into the run folder (atomically) and returns its path. */
export async function saveReport(runDir: string, html: string): Promise<string> {
  const file = join(runDir, REPORT_FILE);
  try {
    await writeFileAtomic(file, html);
  } catch (err) {
    rethrowFsError(err, { path: file, op: 'write' });
  }
  return file;
}

/** Writes PNG plots (data URLs made by the renderer's charts) into `<run>/plots/`; refuses anything not a PNG. */
export async function savePlots(runDir: string, plots: { name: string; png: string }[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of plots) {
    const m = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(p.png);
    const data = m ? Buffer.from(m[1]!, 'base64') : null;
    if (!data || data.length < 8 || data.readUInt32BE(0) !== 0x89504e47) throw new KestrelError('APP_PLOT_INVALID', reason('APP_PLOT_INVALID', { name: p.name }).message, { name: p.name });
    const file = join(runDir, 'plots', `${p.name}.png`);
    try {
      await writeFileAtomic(file, data);
    } catch (err) {
      rethrowFsError(err, { path: file, op: 'write' });
    }
    out.push(file);
  }
  return out;
}

/** Lowest confidence a threshold slider reaches: detections below it are not sent to the Results view. */
export const VAL_MIN_CONF = 0.01;
/** Detections per validation image sent to the Results view (the best ones). */
export const VAL_MAX_DETS = 100;

/**
 * The validation images as results:get sends them to the Results view (its valImages): the
 * detections the sliders can reach, the best VAL_MAX_DETS of an image. The report counts from
 * the same, so its matrix is the one the Results view shows at the same thresholds.
 */
export function valImagesAsShown<T extends { detections: readonly DetBox[] }>(images: readonly T[]): (Omit<T, 'detections'> & { detections: T['detections'][number][] })[] {
  return images.map((img) => ({
    ...img,
    detections: img.detections
      .filter((d) => d.score >= VAL_MIN_CONF)
      .sort((a, b) => b.score - a.score)
      .slice(0, VAL_MAX_DETS),
  }));
}

/** The confusion matrix of a report: rows predicted, columns true, "background" last in both. */
export interface ReportConfusion {
  classNames: string[];
  matrix: number[][];
  /** True when counted at the run's per-class thresholds; false for the evaluation's own matrix (one confidence). */
  atThresholds: boolean;
  /** The confidence of the evaluation's matrix, or the thresholds' default. */
  conf: number;
}

/**
 * The matrix the report draws and puts in words: the Results view's (confusionAt over the
 * validation predictions at the saved per-class thresholds); for a run that saved no
 * predictions, the evaluation's own, as the Results view falls back to it.
 */
export function reportConfusion(
  preds: { classNames: string[]; images: readonly ConfusionImage[] } | null,
  ev: EvaluationResult | null,
  thresholds: Thresholds,
): ReportConfusion | null {
  if (preds) {
    const { classNames } = preds;
    const matrix = confusionAt(valImagesAsShown(preds.images), classNames.length, confByClass(thresholds, classNames), thresholds.defaultConf);
    return { classNames, matrix, atThresholds: true, conf: thresholds.defaultConf };
  }
  if (ev) return { classNames: ev.confusion.labels.slice(0, -1), matrix: ev.confusion.matrix, atThresholds: false, conf: ev.confusion.confidence };
  return null;
}

/** Fonts of the chart's text: Latin first, then CJK faces for Chinese labels on each system. */
const CHART_FONTS = "'DejaVu Sans', 'Segoe UI', Arial, 'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif";

/**
 * The ECharts option of the confusion-matrix heat map: one cell per (true, predicted) pair with
 * its count, darker for more, the diagonal (found) framed. Pure, so the counts it draws are tested.
 */
export function confusionChartOption(cm: ReportConfusion, locale: Locale): Record<string, unknown> {
  const tx = T[locale];
  const n = cm.classNames.length;
  const rows = [...cm.classNames, tx.cmMissed];
  const cols = [...cm.classNames, tx.cmBackground];
  const max = Math.max(1, ...cm.matrix.flat());
  const diagonal = (i: number, j: number) => i === j && i < n;
  const cell = (i: number, j: number, v: number) => ({
    value: [j, i, v],
    label: { color: v / max > 0.55 ? '#ffffff' : '#1d2330' },
    ...(diagonal(i, j) ? { itemStyle: { borderColor: '#1d2330', borderWidth: 2 } } : {}),
  });
  // The diagonal (defects found as their own class) framed and drawn last, so no neighbour draws over its frame.
  const data = [
    ...cm.matrix.flatMap((row, i) => row.flatMap((v, j) => (diagonal(i, j) ? [] : [cell(i, j, v)]))),
    ...cm.matrix.flatMap((row, i) => row.flatMap((v, j) => (diagonal(i, j) ? [cell(i, j, v)] : []))),
  ];
  const manyClasses = cols.length > 6;
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: CHART_FONTS, color: '#1d2330' },
    title: {
      text: cm.atThresholds ? tx.cmTitle : fillTemplate(tx.cmTitleEval, { conf: cm.conf }),
      subtext: tx.cmHint,
      left: 16,
      top: 10,
      textStyle: { fontSize: 18, fontWeight: 600, color: '#111111' },
      subtextStyle: { fontSize: 13, color: '#4b5563' },
    },
    grid: { left: 130, right: 30, top: 90, bottom: manyClasses ? 120 : 80 },
    xAxis: {
      type: 'category',
      data: cols,
      name: tx.cmTrue,
      nameLocation: 'middle',
      nameGap: manyClasses ? 90 : 40,
      nameTextStyle: { fontSize: 14 },
      axisLabel: { interval: 0, fontSize: 13, rotate: manyClasses ? 35 : 0 },
      axisTick: { show: false },
      splitArea: { show: false },
    },
    yAxis: {
      type: 'category',
      data: rows,
      inverse: true,
      name: tx.cmPredicted,
      nameLocation: 'middle',
      nameGap: 110,
      nameRotate: 90,
      nameTextStyle: { fontSize: 14 },
      axisLabel: { interval: 0, fontSize: 13 },
      axisTick: { show: false },
    },
    visualMap: { show: false, min: 0, max, dimension: 2, inRange: { color: ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'] } },
    series: [{ type: 'heatmap', data, label: { show: true, fontSize: 14 }, itemStyle: { borderColor: '#ffffff', borderWidth: 1 } }],
  };
}

/** The heat map as a PNG (CONFUSION_PNG_SIZE): ECharts renders SVG without a browser, sharp rasterises it. */
export async function confusionPng(cm: ReportConfusion, locale: Locale): Promise<Buffer> {
  const [echarts, charts, components, renderers, sharpModule] = await Promise.all([import('echarts/core'), import('echarts/charts'), import('echarts/components'), import('echarts/renderers'), import('sharp')]);
  echarts.use([charts.HeatmapChart, components.GridComponent, components.TitleComponent, components.VisualMapComponent, renderers.SVGRenderer]);
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, ...CONFUSION_PNG_SIZE });
  let svg: string;
  try {
    chart.setOption(confusionChartOption(cm, locale));
    svg = chart.renderToSVGString();
  } finally {
    chart.dispose(); // a server-side chart left alive keeps a timer running
  }
  return sharpModule.default(Buffer.from(svg)).png().toBuffer();
}

/**
 * Draws the run's confusion matrix at `thresholds` into `<run>/plots/confusion.png` (next to the
 * renderer's curves); returns its path, or null when the run has neither validation predictions
 * nor an evaluation to count from.
 */
export async function saveConfusionPlot(runDir: string, thresholds: Thresholds, locale: Locale): Promise<string | null> {
  const cm = reportConfusion(await readValPredictions(runDir), evaluationOf(await readJson(join(runDir, RUN_FILES.results))), thresholds);
  if (!cm) return null;
  const file = join(runDir, 'plots', `${CONFUSION_PLOT}.png`);
  const png = await confusionPng(cm, locale);
  try {
    await writeFileAtomic(file, png);
  } catch (err) {
    rethrowFsError(err, { path: file, op: 'write' });
  }
  return file;
}
