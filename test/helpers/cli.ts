/** Running `kestrel` commands in a test: an IO that keeps what a command prints, and the whole CLI in one call. */
import { main } from '../../electron/cli/main';
import type { CliIO } from '../../electron/cli/io';

/** A CliIO that keeps the lines a command prints to each stream. */
export interface CapturedIO extends CliIO {
  stdout: string[];
  stderr: string[];
  /** Every stdout line, joined by newlines. */
  outText(): string;
  /** Every stderr line, joined by newlines. */
  errText(): string;
}

/** A fresh CapturedIO. */
export function captureIO(): CapturedIO {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t), outText: () => stdout.join('\n'), errText: () => stderr.join('\n') };
}

/** The same, as `{ io, out, err }`: the IO to pass and the lines it kept. */
export function capture(): { io: CliIO; out: string[]; err: string[] } {
  const io = captureIO();
  return { io, out: io.stdout, err: io.stderr };
}

/** Runs `kestrel ...args`: the exit code and what it printed to each stream (lines joined by newlines). */
export async function kestrel(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO();
  const code = await main(args, io);
  return { code, out: io.outText(), err: io.errText() };
}
