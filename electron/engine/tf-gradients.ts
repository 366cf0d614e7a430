/**
 * Registers the gradient of every TF.js op. @tensorflow/tfjs-core registers none by itself
 * (its ESM register_all_gradients cannot be imported from Node), while the @tensorflow/tfjs
 * bundle registers all of them in the global kernel registry that tfjs-core shares.
 * Import this module once (for its side effect) anywhere gradients are computed.
 */
import '@tensorflow/tfjs';
