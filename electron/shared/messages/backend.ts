/** Reason and error sentences of the backend domain, English and Simplified Chinese, by code. */
export const backendMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {
    BACKEND_SELECTED: 'Training runs on the {backend} backend: the best one that loaded here and passed its self-test.',
    BACKEND_FORCED_ENV: 'Training runs on the {backend} backend because the KESTREL_BACKEND environment variable asks for it.',
    BACKEND_FORCED_OPTION: 'Training runs on the {backend} backend because it was chosen explicitly.',
    BACKEND_NOT_TRIED: '{backend} was not tried because {forced} was chosen explicitly.',
    BACKEND_NOT_INSTALLED: '{backend} is not installed (package {package}), so Kestrel uses the next backend.',
    BACKEND_CUDA_MISSING:
      '{backend} could not load CUDA or cuDNN (it needs CUDA 11.2 and cuDNN 8.1): {detail}. Install them to train on the NVIDIA GPU with it; the webgpu backend needs no CUDA install.',
    BACKEND_GPU_UNSUPPORTED:
      "This GPU cannot run TensorFlow 2.9's CUDA kernels (its generation is not supported): {detail}. Kestrel trains on the CPU instead.",
    BACKEND_GPU_TOO_NEW:
      "This GPU ({gpu}) is newer than tfjs-node-gpu's CUDA 11.2 supports (compute capability {capability}; CUDA 11.2 ends at 8.6, with 8.9 and 9.0 only through a slow first-start compile): {detail}. Installing CUDA will not help; Kestrel uses the webgpu backend (the normal display driver) or the CPU instead.",
    BACKEND_WEBGPU_DAWN_FAILED:
      'The WebGPU runtime (Dawn, npm package webgpu) could not load in this process: {detail}. Kestrel uses the next backend.',
    BACKEND_WEBGPU_NO_ADAPTER:
      'WebGPU found no graphics adapter ({detail}); update the display driver (Vulkan on Linux, Direct3D 12 on Windows) to train on the GPU.',
    BACKEND_WEBGPU_SOFTWARE:
      'The only WebGPU adapter is a software one ({adapter}), which is slower than the CPU backends, so Kestrel does not train on it (--backend webgpu forces it).',
    BACKEND_WEBGPU_SOFTWARE_FORCED:
      'WebGPU runs on a software adapter ({adapter}): results are correct but training is slow; it is used only because webgpu was chosen explicitly.',
    BACKEND_WEBGPU_READY: 'WebGPU can train on {adapter} (largest buffer {maxBufferMiB} MiB); Kestrel times it against the CPU on first use.',
    BACKEND_WEBGPU_ADAPTER: 'WebGPU adapter: {adapter} (largest buffer {maxBufferMiB} MiB).',
    BACKEND_WEBGPU_NOT_MEASURED: 'webgpu passed its self-test but was not timed against {backend} (measurement turned off), so {backend} trains.',
    BACKEND_MEASURE_FAILED: 'Timing a training step on {backend} failed ({detail}), so it is not chosen.',
    BACKEND_MEASURED_SLOWER:
      '{backend} trained {speed} images/s against {other}\'s {otherSpeed} in a timed step ({workload}, measured {when}), so {other} trains.',
    BACKEND_CHOSEN_BY_MEASUREMENT:
      'Training runs on the {backend} backend: a timed training step ({workload}, measured {when}) ran {speed} images/s on it against {otherSpeed} on {other}.',
    PLAN_DEVICE_WEBGPU: 'Training on {name} through WebGPU ({adapter}): no CUDA backend loads here, and WebGPU needs only the display driver ({freeGiB} GiB free).',
    PLAN_WEBGPU_FREE_ASSUMED: 'The free memory of {name} is unknown; {totalGiB} GiB is assumed. Close other programs that use the card.',
    BACKEND_NO_GPU: '{backend} loaded but found no usable NVIDIA GPU, so Kestrel uses the next backend.',
    BACKEND_OTHER_CORE:
      '{backend} loaded a different copy of @tensorflow/tfjs-core than Kestrel uses; reinstall Kestrel so they match.',
    BACKEND_LOAD_FAILED: '{backend} failed to load: {detail}.',
    BACKEND_SELF_TEST_FAILED:
      '{backend} loaded but computed a wrong convolution in its self-test ({detail}), so Kestrel does not train on it.',
    BACKEND_WASM_THREADS: 'WebAssembly runs on {threads} threads.',
    BACKEND_WASM_THREADS_FAILED: 'Multi-threaded WebAssembly could not start ({detail}); training runs on one thread.',
    BACKEND_UNKNOWN: "'{value}' is not a backend. Use one of: tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu.",
    BACKEND_UNAVAILABLE:
      'The backend {backend} was chosen explicitly but cannot be used: {detail} Unset KESTREL_BACKEND (or the backend option) to let Kestrel choose.',
    BACKEND_NONE: 'No TensorFlow.js backend works on this machine ({detail}). Reinstall Kestrel.',
    OUT_OF_MEMORY:
      'Training ran out of memory ({detail}). Use a smaller batch or input size; Kestrel can retry with half the batch.',
    LOSS_NOT_FINITE:
      'The training loss became {value} at step {step}: training diverged. Lower the learning rate or check the labels.',
    GPU_HOST_UTILITY: 'WebGPU training runs in the training process on {adapter}.',
    GPU_HOST_RENDERER:
      "The WebGPU runtime could not run in the training process ({detail}), so WebGPU training runs in a hidden window on Chromium's own WebGPU ({adapter}).",
    GPU_HOST_PROBE_RENDERER: "The WebGPU runtime could not run in the training process ({detail}); Kestrel checks Chromium's own WebGPU instead.",
    GPU_HOST_NONE: 'WebGPU cannot train in the app here: {detail}',
    GPU_HOST_TIMEOUT: "The hidden WebGPU window did not answer '{op}' within {seconds} s. Resume the run to continue from its last checkpoint.",
    GPU_HOST_FAILED: 'The training step failed in the hidden WebGPU window: {detail}',
    GPU_HOST_NO_WEBGPU: "The hidden window has no usable WebGPU: {detail}",
    GPU_HOST_GONE:
      'The hidden WebGPU window that ran the training steps went away ({detail}). Resume the run to continue from its last checkpoint.',
    GPU_HOST_NO_PORT:
      'The training process was to train in the hidden WebGPU window but got no connection to it within {seconds} s. Start the run again; set KESTREL_BACKEND=wasm to train on the CPU.',
    GPU_HOST_NOT_CALIBRATED:
      'The memory of a training step in the hidden WebGPU window is not measured (the memory probe runs in the training process, where WebGPU does not load): the batch is planned from the estimate.',
    BACKEND_WEBGPU_ON_HOST: 'webgpu is not loaded in the training process: it runs in the hidden WebGPU window.',
    GPU_HOST_NOT_NEEDED:
      "The training steps run in this process on {backend}, which ranks above the hidden WebGPU window's {host}, so the window is not used.",
    GPU_HOST_NOT_FORCED:
      'The training steps run in this process on {backend}, which was chosen explicitly; the hidden WebGPU window trains on {host}, so it is not used.',
  },
  zh: {
    BACKEND_SELECTED: '训练使用 {backend} 后端：这是本机能加载并通过自检的最佳后端。',
    BACKEND_FORCED_ENV: '训练使用 {backend} 后端，因为环境变量 KESTREL_BACKEND 指定了它。',
    BACKEND_FORCED_OPTION: '训练使用 {backend} 后端，因为它被明确指定。',
    BACKEND_NOT_TRIED: '未尝试 {backend}，因为明确指定了 {forced}。',
    BACKEND_NOT_INSTALLED: '{backend} 未安装（软件包 {package}），Kestrel 改用下一个后端。',
    BACKEND_CUDA_MISSING: '{backend} 无法加载 CUDA 或 cuDNN（需要 CUDA 11.2 和 cuDNN 8.1）：{detail}。安装它们即可用它在 NVIDIA GPU 上训练；webgpu 后端无需安装 CUDA。',
    BACKEND_GPU_UNSUPPORTED: '此 GPU 无法运行 TensorFlow 2.9 的 CUDA 内核（不支持该代 GPU）：{detail}。Kestrel 改用 CPU 训练。',
    BACKEND_GPU_TOO_NEW:
      '此 GPU（{gpu}）比 tfjs-node-gpu 的 CUDA 11.2 所支持的更新（计算能力 {capability}；CUDA 11.2 最高支持 8.6，8.9 和 9.0 仅能通过缓慢的首次编译运行）：{detail}。安装 CUDA 无济于事；Kestrel 改用 webgpu 后端（使用普通显卡驱动）或 CPU。',
    BACKEND_WEBGPU_DAWN_FAILED: 'WebGPU 运行时（Dawn，npm 软件包 webgpu）无法在此进程中加载：{detail}。Kestrel 改用下一个后端。',
    BACKEND_WEBGPU_NO_ADAPTER: 'WebGPU 没有找到显卡适配器（{detail}）；请更新显卡驱动（Linux 上为 Vulkan，Windows 上为 Direct3D 12）以在 GPU 上训练。',
    BACKEND_WEBGPU_SOFTWARE: '唯一的 WebGPU 适配器是软件实现（{adapter}），比 CPU 后端更慢，因此 Kestrel 不在其上训练（--backend webgpu 可强制使用）。',
    BACKEND_WEBGPU_SOFTWARE_FORCED: 'WebGPU 运行在软件适配器（{adapter}）上：结果正确但训练很慢；仅因明确指定了 webgpu 才使用它。',
    BACKEND_WEBGPU_READY: 'WebGPU 可在 {adapter} 上训练（最大缓冲区 {maxBufferMiB} MiB）；Kestrel 首次使用时会与 CPU 计时比较。',
    BACKEND_WEBGPU_ADAPTER: 'WebGPU 适配器：{adapter}（最大缓冲区 {maxBufferMiB} MiB）。',
    BACKEND_WEBGPU_NOT_MEASURED: 'webgpu 通过了自检，但未与 {backend} 计时比较（已关闭测量），因此使用 {backend} 训练。',
    BACKEND_MEASURE_FAILED: '在 {backend} 上计时训练步骤失败（{detail}），因此不选择它。',
    BACKEND_MEASURED_SLOWER: '在计时的训练步骤中（{workload}，测量于 {when}），{backend} 每秒训练 {speed} 张图像，{other} 为 {otherSpeed} 张，因此使用 {other} 训练。',
    BACKEND_CHOSEN_BY_MEASUREMENT: '训练使用 {backend} 后端：计时的训练步骤（{workload}，测量于 {when}）在其上每秒 {speed} 张图像，{other} 上为 {otherSpeed} 张。',
    PLAN_DEVICE_WEBGPU: '通过 WebGPU 在 {name} 上训练（{adapter}）：本机无法加载 CUDA 后端，而 WebGPU 只需显卡驱动（空闲 {freeGiB} GiB）。',
    PLAN_WEBGPU_FREE_ASSUMED: '{name} 的空闲显存未知，按 {totalGiB} GiB 计算。请关闭其他占用该显卡的程序。',
    BACKEND_NO_GPU: '{backend} 已加载，但没有找到可用的 NVIDIA GPU，Kestrel 改用下一个后端。',
    BACKEND_OTHER_CORE: '{backend} 加载了与 Kestrel 不同的 @tensorflow/tfjs-core 副本；请重新安装 Kestrel 使其一致。',
    BACKEND_LOAD_FAILED: '{backend} 加载失败：{detail}。',
    BACKEND_SELF_TEST_FAILED: '{backend} 已加载，但自检中的卷积计算错误（{detail}），Kestrel 不在其上训练。',
    BACKEND_WASM_THREADS: 'WebAssembly 使用 {threads} 个线程。',
    BACKEND_WASM_THREADS_FAILED: '多线程 WebAssembly 无法启动（{detail}）；训练使用单线程。',
    BACKEND_UNKNOWN: '“{value}”不是有效的后端。请使用：tfjs-node-gpu、tfjs-node、webgpu、wasm、cpu 之一。',
    BACKEND_UNAVAILABLE: '明确指定的后端 {backend} 无法使用：{detail} 取消设置 KESTREL_BACKEND（或后端选项）即可让 Kestrel 自动选择。',
    BACKEND_NONE: '本机没有可用的 TensorFlow.js 后端（{detail}）。请重新安装 Kestrel。',
    OUT_OF_MEMORY: '训练内存不足（{detail}）。请减小批量或输入尺寸；Kestrel 可以将批量减半后重试。',
    LOSS_NOT_FINITE: '第 {step} 步的训练损失变为 {value}：训练发散。请降低学习率或检查标注。',
    GPU_HOST_UTILITY: 'WebGPU 训练在训练进程中运行，使用 {adapter}。',
    GPU_HOST_RENDERER: 'WebGPU 运行时无法在训练进程中运行（{detail}），因此 WebGPU 训练在一个隐藏窗口中使用 Chromium 自带的 WebGPU（{adapter}）运行。',
    GPU_HOST_PROBE_RENDERER: 'WebGPU 运行时无法在训练进程中运行（{detail}）；Kestrel 改为检查 Chromium 自带的 WebGPU。',
    GPU_HOST_NONE: '此处无法在应用中用 WebGPU 训练：{detail}',
    GPU_HOST_TIMEOUT: '隐藏的 WebGPU 窗口在 {seconds} 秒内没有回应“{op}”。请继续该训练，从最后的检查点接着训练。',
    GPU_HOST_FAILED: '训练步骤在隐藏的 WebGPU 窗口中失败：{detail}',
    GPU_HOST_NO_WEBGPU: '隐藏窗口中没有可用的 WebGPU：{detail}',
    GPU_HOST_GONE: '运行训练步骤的隐藏 WebGPU 窗口已关闭（{detail}）。请继续该训练，从最后的检查点接着训练。',
    GPU_HOST_NO_PORT: '训练进程本应在隐藏的 WebGPU 窗口中训练，但在 {seconds} 秒内没有连接到它。请重新开始训练；设置 KESTREL_BACKEND=wasm 可改用 CPU 训练。',
    GPU_HOST_NOT_CALIBRATED: '隐藏 WebGPU 窗口中训练步骤的内存尚未测量（内存探测在训练进程中运行，而那里无法加载 WebGPU）：批量按估算值规划。',
    BACKEND_WEBGPU_ON_HOST: 'webgpu 不在训练进程中加载：它在隐藏的 WebGPU 窗口中运行。',
    GPU_HOST_NOT_NEEDED: '训练步骤在本进程中使用 {backend} 运行，它优于隐藏 WebGPU 窗口中的 {host}，因此不使用该窗口。',
    GPU_HOST_NOT_FORCED: '训练步骤在本进程中使用明确指定的 {backend} 运行；隐藏的 WebGPU 窗口使用的是 {host}，因此不使用该窗口。',
  },
};
