import { probeHardware, type ProbeOptions } from '../../engine/hardware/index';
import type { Locale } from '../../shared/messages/index';
import { formatReason } from '../../shared/reason';
import type { GpuInfo, HardwareProfile } from '../../shared/schemas/hardware';
import { EXIT_OK, type CliIO } from '../io';
import { runWithFlags, type FlagDefs } from '../flags';

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

/** `kestrel hardware`'s flags. */
export const HARDWARE_FLAGS = {
  json: { type: 'boolean' },
  lang: { type: 'choice', choices: ['en', 'zh'] },
} as const satisfies FlagDefs;

/**
 * `kestrel hardware [--json] [--lang en|zh]`: probes this machine and prints the profile.
 * `probe` is for tests (defaults to the real probe).
 */
export async function run(argv: string[], io: CliIO, probe: (opts?: ProbeOptions) => Promise<HardwareProfile> = probeHardware): Promise<number> {
  return runWithFlags(argv, io, { command: 'hardware', help: USAGE, flags: HARDWARE_FLAGS, helpOnError: true }, async ({ values }) => {
    const profile = await probe();
    io.out(values.json ? JSON.stringify(profile, null, 2) : renderHardwareTable(profile, values.lang ?? 'en'));
    return EXIT_OK;
  });
}
