// The model scale and input size the app recommends: the engine's recommendation (engine/plan/recommend.ts),
// shared with `kestrel train` and `kestrel plan` so the app and the CLI plan the same run.
export { gpuTrains, INPUT_SIZES, recommendModel, type Recommendation } from '../engine/plan/recommend';
