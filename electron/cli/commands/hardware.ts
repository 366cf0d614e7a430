import { parseArgs } from 'node:util';
import { probeHardware, type ProbeOptions } from '../../engine/hardware/index';
import type { Locale } from '../../shared/messages/index';
import { formatReason } from '../../shared/reason';
import type { GpuInfo, HardwareProfile } from '../../shared/schemas/hardware';
import { EXIT_OK, EXIT_USAGE, type CliIO } from '../io';

const USAGE = `Usage: kestrel hardware [--json] [--lang en|zh]

Shows what Kestrel finds on this machine: GPUs with their memory (and where each figure
came from), CPU, RAM, OS, and which TF.js backends can load here, with the reason when not.

Options:
  --json       print the HardwareProfile as JSON (what \`kestrel plan --hardware\` reads)
  --lang L     language of the reasons in the table: en (default) or zh
  -h, --help   show this help`;

const GIB = 1024 ** 3;

function gib(bytes: number | null): string {
  return bytes === null ? '?' : `${(bytes / GIB).toFixed(1)} GiB`;
}

function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => indent + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd());
}

function gpuSource(g: GpuInfo): string {
  return g.sources.total === g.sources.free ? g.sources.total : `${g.sources.total} / ${g.sources.free}`;
}

/**
 * The readable form of a HardwareProfile: GPUs with total/free memory and their source,
 * then CPU, RAM, OS, backends and warnings, reasons in the chosen language.
 */
export function renderHardwareTable(p: HardwareProfile, locale: Locale = 'en'): string {
  const lines: string[] = ['GPUs'];
  if (p.gpus.length === 0) lines.push('  none found');
  else {
    const rows = [['#', 'Model', 'Total', 'Free', 'Others use', 'Source', 'Trainable']];
    for (const g of p.gpus) {
      const kind = g.integrated ? 'no (integrated)' : g.trainable ? 'yes' : 'no';
      rows.push([String(g.index), g.model, gib(g.vramTotalBytes), gib(g.vramFreeBytes), gib(g.vramUsedByOthersBytes), gpuSource(g), kind]);
    }
    lines.push(...table(rows));
    for (const g of p.gpus) for (const n of g.notes) lines.push(`    [${g.index}] ${formatReason(n, locale)}`);
  }
  lines.push('');
  lines.push(
    ...table(
      [
        ['CPU', `${p.cpu.model} (${p.cpu.cores} cores, ${p.cpu.threads} threads)`],
        ['RAM', `${gib(p.memory.totalBytes)} total, ${gib(p.memory.availableBytes)} available`],
        ['OS', `${p.os.distro} ${p.os.release} (${p.os.platform} ${p.os.arch})`],
      ],
      '',
    ),
  );
  lines.push('', 'Backends');
  lines.push(...table(p.backends.map((b) => [b.id, b.available ? 'yes' : 'no', formatReason(b.reason, locale)])));
  if (p.warnings.length) {
    lines.push('', 'Warnings');
    for (const w of p.warnings) lines.push(`  - ${formatReason(w, locale)}`);
  }
  return lines.join('\n');
}

/**
 * `kestrel hardware [--json] [--lang en|zh]`: probes this machine and prints the profile.
 * `probe` is for tests (defaults to the real probe).
 */
export async function run(argv: string[], io: CliIO, probe: (opts?: ProbeOptions) => Promise<HardwareProfile> = probeHardware): Promise<number> {
  let values: { json?: boolean; lang?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, lang: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    }));
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  const lang = values.lang ?? 'en';
  if (lang !== 'en' && lang !== 'zh') {
    io.err(`--lang must be en or zh, not "${lang}".\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const profile = await probe();
  io.out(values.json ? JSON.stringify(profile, null, 2) : renderHardwareTable(profile, lang));
  return EXIT_OK;
}
