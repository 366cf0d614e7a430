/** GiB with two decimals, for reason parameters (a figure a person reads, not a computation input). */
export function gib(bytes: number): number {
  return Math.round((bytes / 1024 ** 3) * 100) / 100;
}

/** MiB rounded to whole MiB, for reason parameters. */
export function mib(bytes: number): number {
  return Math.round(bytes / 1024 ** 2);
}

/** A number to `digits` significant digits, so planned LRs read 0.0175, not 0.017499999. */
export function sig(x: number, digits = 3): number {
  return x === 0 ? 0 : Number(x.toPrecision(digits));
}
