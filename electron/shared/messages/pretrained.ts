/** Reason and error sentences of Kestrel's pretrained weights (kestrel pretrain, a run's start), English and Simplified Chinese, by code. */
export const pretrainedMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {
    PRETRAINED_MISSING:
      'No pretrained weights ship for YOLOv8{scale} in this installation (resources/pretrained/{scale}). Train from scratch (--start scratch, or leave the start on Automatic), choose a scale that has them, or make them with kestrel pretrain --model {scale}.',
    PRETRAIN_NO_WEIGHTS: 'The pretraining run {runDir} ended without weights (weights/best); nothing was installed. Run kestrel pretrain again, with more epochs if it stopped early.',
    PRETRAINED_TRANSFERRED:
      'Started from Kestrel\'s pretrained weights {name}: {copied} tensors copied ({percent}% of the values); the class rows start fresh for your {classes} classes.',
  },
  zh: {
    PRETRAINED_MISSING:
      '本安装中没有 YOLOv8{scale} 的预训练权重（resources/pretrained/{scale}）。请从头训练（--start scratch，或将起点保留为“自动”），选择有预训练权重的规模，或用 kestrel pretrain --model {scale} 生成。',
    PRETRAIN_NO_WEIGHTS: '预训练运行 {runDir} 结束时没有权重（weights/best）；没有安装任何内容。请重新运行 kestrel pretrain，如果它提前停止，请增加轮数。',
    PRETRAINED_TRANSFERRED: '从 Kestrel 的预训练权重 {name} 开始：复制了 {copied} 个张量（占全部数值的 {percent}%）；分类行为您的 {classes} 个类别重新初始化。',
  },
};
