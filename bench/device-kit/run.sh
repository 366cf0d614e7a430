#!/usr/bin/env bash
# Runs `npm run bench -- device` on a GPU machine without an install step: node_modules and (if
# absent) node come from this folder; a Vulkan ICD for the NVIDIA driver is written if missing.
set -uo pipefail
cd "$(dirname "$0")/../.."
PACK=scratch/device-pack
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
unxz_to() { if command -v xz >/dev/null; then xz -dc "$1"; else python3 -c "import lzma,sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())" "$1"; fi; }
NODE=$(command -v node || true)
if [ -z "$NODE" ] || ! "$NODE" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  unxz_to $PACK/node.xz > /tmp/node && chmod +x /tmp/node && NODE=/tmp/node
fi
echo "node: $NODE $($NODE --version)"
[ -d node_modules/@tensorflow/tfjs-core ] || unxz_to $PACK/kit.tar.xz | tar -xf -
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv,noheader || true
echo "vulkan loader: $(ldconfig -p | grep -c 'libvulkan.so.1') ; ICDs: $(ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | tr '\n' ' ')"
ldconfig -p | grep -q 'libvulkan.so.1' || export LD_LIBRARY_PATH=$PWD/$PACK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# A container that mounts the NVIDIA driver under /usr/local/nvidia (as the GPU machines here do)
# has the driver's own ICD there; with the Vulkan loader unpacked from Debian's libvulkan1 it is
# the one that works (an ICD written for libGLX_nvidia.so.0 by hand found no adapter).
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_ICD_FILENAMES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ ! -f /usr/share/vulkan/icd.d/nvidia_icd.json ] && [ ! -f /etc/vulkan/icd.d/nvidia_icd.json ]; then
  lib=$(ldconfig -p | grep -o '/[^ ]*libGLX_nvidia.so.0' | head -1)
  if [ -n "$lib" ]; then
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$lib" > /tmp/nvidia_icd.json
    export VK_ICD_FILENAMES=/tmp/nvidia_icd.json; echo "wrote an NVIDIA ICD for $lib"
  else
    echo "no NVIDIA Vulkan driver library (libGLX_nvidia.so.0) visible: the container may lack the 'graphics' capability"
    ldconfig -p | grep -i nvidia | head -20
  fi
fi
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.is_available())" 2>&1 | tail -1
export PATH=$(dirname $NODE):$PATH
timeout 60 $NODE --import tsx --input-type=module -e "
const { probeWebgpuAdapter } = await import('./electron/engine/backend/webgpu.ts');
try { console.log('adapter', JSON.stringify(await probeWebgpuAdapter())); } catch (e) { console.log('adapter: none:', e.message); }
" 2>&1 | grep -v artificially
timeout ${BENCH_TIMEOUT:-420} $NODE scripts/bench.mjs device ${BENCH_ARGS:-} 2>&1 | grep -v artificially | tee "$OUT/device.txt"
cp bench/results/device*.json "$OUT/" 2>/dev/null || true
