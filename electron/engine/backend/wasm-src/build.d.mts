/** The generated TypeScript module's text (see build.mjs). */
export function generate(): Promise<string>;
/** Path of electron/engine/backend/simd-kernels-wasm.ts. */
export const OUTPUT: string;
