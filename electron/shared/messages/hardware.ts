/** Reason and error sentences of the hardware domain, English and Simplified Chinese, by code. */
export const hardwareMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {
    // Notes on one GPU.
    HW_GPU_INTEGRATED:
      '{model} is an integrated GPU that shares system memory; Kestrel does not train on it.',
    HW_GPU_DISPLAY_ONLY:
      '{model} is a basic display adapter (virtual machine or server management chip), not a compute device.',
    HW_GPU_NOT_NVIDIA:
      '{model} is not an NVIDIA GPU; native TF.js GPU training needs CUDA, so Kestrel trains on the CPU instead.',
    HW_GPU_NO_DRIVER:
      '{model} was found but nvidia-smi gave no figures for it ({smiStatus}), so its free memory and CUDA driver are unknown; Kestrel will not train on it until the NVIDIA driver answers.',
    HW_GPU_SMI_ONLY:
      '{model} at {pciBusId} was reported by nvidia-smi but not by the system inventory; its figures come from nvidia-smi alone.',
    HW_VRAM_CAPPED:
      'Windows reports {reportedMB} MB for {model}: the 4 GB ceiling of its AdapterRAM field, not the real size, which is unknown. Install or repair the NVIDIA driver so that nvidia-smi can report it.',
    HW_VRAM_CORRECTED:
      'The system inventory reported {reportedMB} MB for {model}; nvidia-smi reports {smiMB} MiB, which Kestrel uses.',
    HW_VRAM_UNKNOWN_LINUX:
      'The size of {model} cannot be read without nvidia-smi (lspci only shows its {barMB} MB address window).',
    HW_GPU_BUSY:
      'Other processes hold {usedGB} GB of the {totalGB} GB on {model}; only {freeGB} GB are free for training. Close other GPU programs (nvidia-smi lists them) to get a larger batch.',
    HW_DRIVER_OLD:
      'The NVIDIA driver {driver} of {model} is older than {minDriver}, which CUDA 11.2 (used by tfjs-node-gpu) needs. Update the NVIDIA driver.',
    // Machine-wide warnings.
    HW_SMI_MISSING:
      'nvidia-smi was not found, so NVIDIA GPU memory cannot be read. Install the NVIDIA driver (it ships nvidia-smi) or add it to PATH.',
    HW_SMI_FAILED:
      'nvidia-smi failed ({detail}), so NVIDIA GPU memory is unknown. Run nvidia-smi in a terminal to see the driver error.',
    HW_SMI_UNREADABLE:
      'nvidia-smi printed output Kestrel could not read ({detail}), so NVIDIA GPU memory is unknown. Update the NVIDIA driver.',
    HW_SMI_TIMEOUT:
      'nvidia-smi did not answer within {seconds} s and was stopped; GPU figures are unknown and the graphics inventory was skipped so Kestrel would not hang too. A hung driver usually needs a reboot.',
    HW_INVENTORY_FAILED:
      'The system inventory could not read {part} ({detail}); Kestrel used what Node.js reports instead.',
    HW_NO_TRAINABLE_GPU: 'No GPU Kestrel can train on was found; training will run on the CPU.',
    // Backends.
    HW_BACKEND_GPU_READY:
      'tfjs-node-gpu is installed with its native library and {count} NVIDIA GPU(s) answered (driver {driver}); the CUDA 11.2 and cuDNN 8 libraries are checked when it loads.',
    HW_BACKEND_NOT_INSTALLED:
      '{package} is not installed (an optional dependency whose install was skipped or failed). Reinstall Kestrel with network access for native speed.',
    HW_BACKEND_NO_BINDING:
      '{package} is installed but its native module ({missing}) is missing: its libtensorflow download probably failed during install. Reinstall it with network access.',
    HW_BACKEND_NO_CUDA_GPU: '{package} is installed but no NVIDIA GPU with a working driver was found.',
    HW_BACKEND_NODE_READY:
      'tfjs-node is installed with its native TensorFlow library: multi-threaded CPU training, much faster than WebAssembly.',
    HW_BACKEND_WASM_SIMD:
      'WebAssembly backend with SIMD: always available. TF.js turns WebAssembly threads off in Node, so it uses 1 thread, and its heap is limited to 4 GiB.',
    HW_BACKEND_WASM_NO_SIMD:
      'WebAssembly backend without SIMD (this runtime lacks it): always available but slow; 1 thread, heap limited to 4 GiB.',
    HW_BACKEND_CPU_READY: 'Plain JavaScript CPU backend: always available, the slowest; a last resort.',
  },
  zh: {
    HW_GPU_INTEGRATED: '{model} 是与系统共享内存的集成显卡，Kestrel 不在其上训练。',
    HW_GPU_DISPLAY_ONLY: '{model} 是基本显示适配器（虚拟机或服务器管理芯片），不是计算设备。',
    HW_GPU_NOT_NVIDIA: '{model} 不是 NVIDIA 显卡；TF.js 原生 GPU 训练需要 CUDA，因此 Kestrel 改用 CPU 训练。',
    HW_GPU_NO_DRIVER:
      '发现了 {model}，但 nvidia-smi 未给出其数据（{smiStatus}），因此其空闲显存和 CUDA 驱动未知；在 NVIDIA 驱动正常响应之前，Kestrel 不会在其上训练。',
    HW_GPU_SMI_ONLY: '位于 {pciBusId} 的 {model} 只由 nvidia-smi 报告、系统清单中没有；其数据仅来自 nvidia-smi。',
    HW_VRAM_CAPPED:
      'Windows 报告 {model} 的显存为 {reportedMB} MB：这是 AdapterRAM 字段的 4 GB 上限，并非真实大小，真实大小未知。请安装或修复 NVIDIA 驱动，以便 nvidia-smi 报告显存。',
    HW_VRAM_CORRECTED: '系统清单报告 {model} 的显存为 {reportedMB} MB；nvidia-smi 报告 {smiMB} MiB，Kestrel 采用后者。',
    HW_VRAM_UNKNOWN_LINUX: '没有 nvidia-smi 无法读取 {model} 的显存大小（lspci 只显示其 {barMB} MB 的地址窗口）。',
    HW_GPU_BUSY:
      '其他进程占用了 {model} 的 {totalGB} GB 中的 {usedGB} GB；只有 {freeGB} GB 可用于训练。关闭其他使用 GPU 的程序（nvidia-smi 会列出）可获得更大的批量。',
    HW_DRIVER_OLD: '{model} 的 NVIDIA 驱动 {driver} 早于 {minDriver}，而 tfjs-node-gpu 使用的 CUDA 11.2 需要该版本。请更新 NVIDIA 驱动。',
    HW_SMI_MISSING: '未找到 nvidia-smi，无法读取 NVIDIA 显存。请安装 NVIDIA 驱动（其中包含 nvidia-smi）或将其加入 PATH。',
    HW_SMI_FAILED: 'nvidia-smi 运行失败（{detail}），NVIDIA 显存未知。请在终端中运行 nvidia-smi 查看驱动错误。',
    HW_SMI_UNREADABLE: 'nvidia-smi 的输出无法解析（{detail}），NVIDIA 显存未知。请更新 NVIDIA 驱动。',
    HW_SMI_TIMEOUT:
      'nvidia-smi 在 {seconds} 秒内没有响应，已被终止；GPU 数据未知，并跳过了显卡清单以免 Kestrel 也被卡住。驱动挂起通常需要重启电脑。',
    HW_INVENTORY_FAILED: '系统清单无法读取 {part}（{detail}）；Kestrel 改用 Node.js 报告的数据。',
    HW_NO_TRAINABLE_GPU: '未找到 Kestrel 可用于训练的 GPU；将使用 CPU 训练。',
    HW_BACKEND_GPU_READY:
      'tfjs-node-gpu 已安装且带有原生库，{count} 块 NVIDIA GPU 已响应（驱动 {driver}）；CUDA 11.2 和 cuDNN 8 库在加载时检查。',
    HW_BACKEND_NOT_INSTALLED: '{package} 未安装（可选依赖，其安装被跳过或失败）。请在有网络时重新安装 Kestrel 以获得原生速度。',
    HW_BACKEND_NO_BINDING:
      '{package} 已安装，但缺少其原生模块（{missing}）：安装时下载 libtensorflow 可能失败。请在有网络时重新安装。',
    HW_BACKEND_NO_CUDA_GPU: '{package} 已安装，但未找到驱动正常的 NVIDIA GPU。',
    HW_BACKEND_NODE_READY: 'tfjs-node 已安装且带有原生 TensorFlow 库：多线程 CPU 训练，比 WebAssembly 快得多。',
    HW_BACKEND_WASM_SIMD:
      '支持 SIMD 的 WebAssembly 后端：始终可用。TF.js 在 Node 中关闭了 WebAssembly 多线程，因此只用 1 个线程，堆内存上限为 4 GiB。',
    HW_BACKEND_WASM_NO_SIMD: '不支持 SIMD 的 WebAssembly 后端（当前运行时不支持）：始终可用但较慢；1 个线程，堆内存上限为 4 GiB。',
    HW_BACKEND_CPU_READY: '纯 JavaScript CPU 后端：始终可用，速度最慢；仅作最后手段。',
  },
};
