#!/usr/bin/env bash
# Builds scratch/device-kit: the node_modules subset bench/device.ts needs at run time (no install step).
set -euo pipefail
cd "$(dirname "$0")/../.."
K=scratch/device-kit/node_modules
ROOT=$PWD
rm -rf scratch/device-kit && mkdir -p $K
main_only() { # package: package.json + its main file (+ extra globs)
  local p=$1; shift
  mkdir -p $K/$p
  cp node_modules/$p/package.json $K/$p/
  local m; m=$(node -p "require('./node_modules/$p/package.json').main||'index.js'")
  mkdir -p "$K/$p/$(dirname $m)"; cp node_modules/$p/$m $K/$p/$m
  for g in "$@"; do (cd node_modules/$p && cp --parents $g "$ROOT/$K/$p/" 2>/dev/null || true); done
}
for p in tfjs tfjs-core tfjs-layers tfjs-converter tfjs-data tfjs-backend-cpu tfjs-backend-webgl tfjs-backend-webgpu; do main_only @tensorflow/$p; done
main_only @tensorflow/tfjs-backend-wasm 'dist/*.wasm' 'wasm-out/*.wasm' 'wasm-out/*.js'
for p in long seedrandom node-fetch whatwg-url tr46 webidl-conversions string_decoder safe-buffer zod systeminformation debug ms js-yaml argparse get-tsconfig resolve-pkg-maps; do
  [ -d node_modules/$p ] && cp -r node_modules/$p $K/$p
done
cp -r node_modules/tsx $K/tsx; cp -r node_modules/esbuild $K/esbuild; rm -f $K/esbuild/bin/esbuild; mkdir -p $K/@esbuild && cp -r node_modules/@esbuild/linux-x64 $K/@esbuild/
mkdir -p $K/webgpu/dist && cp node_modules/webgpu/{package.json,index.js} $K/webgpu/ && cp -r node_modules/webgpu/dist/linux-x64 $K/webgpu/dist/
[ -d node_modules/@webgpu ] && mkdir -p $K/@webgpu && cp -r node_modules/@webgpu/types $K/@webgpu/ || true
rm -rf $K/zod/src $K/zod/v4/*.d.ts 2>/dev/null || true
du -sh scratch/device-kit
# Pack it for the GPU machine (no registry there): Node itself and the kit, xz-compressed.
mkdir -p scratch/device-pack/lib
(cd scratch/device-kit && tar -cf - node_modules) | xz -T2 -6 > scratch/device-pack/kit.tar.xz
xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > scratch/device-pack/node.xz
cp bench/device-kit/run.sh scratch/device-pack/run.sh
du -sh scratch/device-pack
