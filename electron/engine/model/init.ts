import { createRng } from '../data/rng';
import { allConvs, type ResolvedArchitecture } from './arch';

/**
 * Initial values of every variable, by name, as PyTorch (and so Ultralytics) initialises them:
 * conv filters and plain biases uniform in +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5)),
 * norm gamma 1 and beta 0, running mean 0 and variance 1, and the head's bias priors from the
 * architecture (box 1.0, class log(5 / nc / (imgsz / stride)^2)) so training starts from
 * "few objects, medium boxes" instead of from noise.
 *
 * Plain typed arrays from a seeded generator: the same seed gives the same network on every
 * backend.
 */
export function initialValues(arch: ResolvedArchitecture, seed: number): Map<string, Float32Array> {
  const rng = createRng(seed, 0x6b657374);
  const out = new Map<string, Float32Array>();
  const uniform = (n: number, bound: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (rng.next() * 2 - 1) * bound;
    return a;
  };
  for (const c of allConvs(arch)) {
    const fanIn = c.cIn * c.k * c.k;
    const bound = 1 / Math.sqrt(fanIn);
    out.set(`${c.name}.filter`, uniform(c.k * c.k * c.cIn * c.cOut, bound));
    if (c.block) {
      out.set(`${c.name}.gamma`, new Float32Array(c.cOut).fill(1));
      out.set(`${c.name}.beta`, new Float32Array(c.cOut));
      out.set(`${c.name}.running_mean`, new Float32Array(c.cOut));
      out.set(`${c.name}.running_var`, new Float32Array(c.cOut).fill(1));
    } else {
      out.set(`${c.name}.bias`, c.biasInit !== undefined ? new Float32Array(c.cOut).fill(c.biasInit) : uniform(c.cOut, bound));
    }
  }
  return out;
}
