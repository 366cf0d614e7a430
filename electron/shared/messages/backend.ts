/** Reason and error sentences of the backend domain, English and Simplified Chinese, by code. */
export const backendMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {
    BACKEND_SELECTED: 'Training runs on the {backend} backend: the best one that loaded here and passed its self-test.',
    BACKEND_FORCED_ENV: 'Training runs on the {backend} backend because the KESTREL_BACKEND environment variable asks for it.',
    BACKEND_FORCED_OPTION: 'Training runs on the {backend} backend because it was chosen explicitly.',
    BACKEND_NOT_TRIED: '{backend} was not tried because {forced} was chosen explicitly.',
    BACKEND_NOT_INSTALLED: '{backend} is not installed (package {package}), so Kestrel uses the next backend.',
    BACKEND_CUDA_MISSING:
      '{backend} could not load CUDA or cuDNN (it needs CUDA 11.2 and cuDNN 8.1): {detail}. Install them to train on the NVIDIA GPU.',
    BACKEND_GPU_UNSUPPORTED:
      "This GPU cannot run TensorFlow 2.9's CUDA kernels (its generation is not supported): {detail}. Kestrel trains on the CPU instead.",
    BACKEND_NO_GPU: '{backend} loaded but found no usable NVIDIA GPU, so Kestrel uses the next backend.',
    BACKEND_OTHER_CORE:
      '{backend} loaded a different copy of @tensorflow/tfjs-core than Kestrel uses; reinstall Kestrel so they match.',
    BACKEND_LOAD_FAILED: '{backend} failed to load: {detail}.',
    BACKEND_SELF_TEST_FAILED:
      '{backend} loaded but computed a wrong convolution in its self-test ({detail}), so Kestrel does not train on it.',
    BACKEND_WASM_THREADS: 'WebAssembly runs on {threads} threads.',
    BACKEND_WASM_THREADS_FAILED: 'Multi-threaded WebAssembly could not start ({detail}); training runs on one thread.',
    BACKEND_UNKNOWN: "'{value}' is not a backend. Use one of: tfjs-node-gpu, tfjs-node, wasm, cpu.",
    BACKEND_UNAVAILABLE:
      'The backend {backend} was chosen explicitly but cannot be used: {detail} Unset KESTREL_BACKEND (or the backend option) to let Kestrel choose.',
    BACKEND_NONE: 'No TensorFlow.js backend works on this machine ({detail}). Reinstall Kestrel.',
    OUT_OF_MEMORY:
      'Training ran out of memory ({detail}). Use a smaller batch or input size; Kestrel can retry with half the batch.',
    LOSS_NOT_FINITE:
      'The training loss became {value} at step {step}: training diverged. Lower the learning rate or check the labels.',
  },
  zh: {
    BACKEND_SELECTED: '训练使用 {backend} 后端：这是本机能加载并通过自检的最佳后端。',
    BACKEND_FORCED_ENV: '训练使用 {backend} 后端，因为环境变量 KESTREL_BACKEND 指定了它。',
    BACKEND_FORCED_OPTION: '训练使用 {backend} 后端，因为它被明确指定。',
    BACKEND_NOT_TRIED: '未尝试 {backend}，因为明确指定了 {forced}。',
    BACKEND_NOT_INSTALLED: '{backend} 未安装（软件包 {package}），Kestrel 改用下一个后端。',
    BACKEND_CUDA_MISSING: '{backend} 无法加载 CUDA 或 cuDNN（需要 CUDA 11.2 和 cuDNN 8.1）：{detail}。安装它们即可在 NVIDIA GPU 上训练。',
    BACKEND_GPU_UNSUPPORTED: '此 GPU 无法运行 TensorFlow 2.9 的 CUDA 内核（不支持该代 GPU）：{detail}。Kestrel 改用 CPU 训练。',
    BACKEND_NO_GPU: '{backend} 已加载，但没有找到可用的 NVIDIA GPU，Kestrel 改用下一个后端。',
    BACKEND_OTHER_CORE: '{backend} 加载了与 Kestrel 不同的 @tensorflow/tfjs-core 副本；请重新安装 Kestrel 使其一致。',
    BACKEND_LOAD_FAILED: '{backend} 加载失败：{detail}。',
    BACKEND_SELF_TEST_FAILED: '{backend} 已加载，但自检中的卷积计算错误（{detail}），Kestrel 不在其上训练。',
    BACKEND_WASM_THREADS: 'WebAssembly 使用 {threads} 个线程。',
    BACKEND_WASM_THREADS_FAILED: '多线程 WebAssembly 无法启动（{detail}）；训练使用单线程。',
    BACKEND_UNKNOWN: '“{value}”不是有效的后端。请使用：tfjs-node-gpu、tfjs-node、wasm、cpu 之一。',
    BACKEND_UNAVAILABLE: '明确指定的后端 {backend} 无法使用：{detail} 取消设置 KESTREL_BACKEND（或后端选项）即可让 Kestrel 自动选择。',
    BACKEND_NONE: '本机没有可用的 TensorFlow.js 后端（{detail}）。请重新安装 Kestrel。',
    OUT_OF_MEMORY: '训练内存不足（{detail}）。请减小批量或输入尺寸；Kestrel 可以将批量减半后重试。',
    LOSS_NOT_FINITE: '第 {step} 步的训练损失变为 {value}：训练发散。请降低学习率或检查标注。',
  },
};
