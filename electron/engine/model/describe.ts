import type { ModelFigures, ModelSpec } from '../../shared/schemas/model';
import { allConvs, resolveArchitecture } from './arch';

/**
 * Parameters, FLOPs and activation bytes of the network for one spec, derived from the same
 * architecture description the TF.js model is built from (see arch.ts).
 */
export function describeModel(spec: ModelSpec): ModelFigures {
  const arch = resolveArchitecture(spec);
  let params = 0;
  let buffers = 0;
  let flops = 0;
  for (const c of allConvs(arch)) {
    params += c.k * c.k * c.cIn * c.cOut;
    flops += 2 * c.k * c.k * c.cIn * c.cOut * c.outSide * c.outSide;
    if (c.block) {
      params += 2 * c.cOut; // gamma, beta
      if (spec.norm === 'batch') buffers += 2 * c.cOut; // running mean, variance
    } else {
      params += c.cOut; // bias
    }
  }
  const activationElems = arch.nodes.reduce((a, n) => a + n.activationElems, 0);
  return { spec, params, buffers, forwardFlopsPerImage: flops, activationBytesPerImage: activationElems * 4 };
}
