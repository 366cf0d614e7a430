/** Reason and error sentences of the fine-tune domain (starting a run from an earlier one), English and Simplified Chinese, by code. */
export const finetuneMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {
    FINETUNE_PARENT_MISSING:
      'There is no earlier run to start from at {path}: {detail}. Pass a run folder that holds weights/best or weights/last (for example --from runs/NAME), or train from scratch without --from.',
    FINETUNE_PARENT_CORRUPT:
      'The weights of the earlier run in {path} cannot be used ({detail}); nothing was changed. Start from its other checkpoint (--from {alternative}) or from another run, or train from scratch without --from.',
    FINETUNE_SCALE_MISMATCH:
      'The earlier run {parentRun} is a YOLOv8{parentScale} model, but this run asks for YOLOv8{scale}: weights of one scale do not fit another. Choose --model {parentScale} to fine-tune it, or train YOLOv8{scale} from scratch without --from.',
    FINETUNE_TRANSFERRED:
      'Started from the earlier run {parentRun} ({which} weights): {copied} tensors copied ({percent}% of the values); the class head kept {kept} classes matched by name.',
    FINETUNE_NEW_CLASSES: 'New classes start from fresh head rows and must be learnt in this run: {names}.',
    FINETUNE_REMOVED_CLASSES: 'Classes of {parentRun} that this dataset no longer has were dropped from the head: {names}.',
    FINETUNE_NO_SHARED_CLASSES:
      'The earlier run {parentRun} shares no class name with this dataset: only the feature layers are reused and every class is learnt from scratch. Check the class names if you expected them to match.',
    FINETUNE_TENSORS_FRESH: '{count} tensors could not be taken from {parentRun} and start fresh (for example {example}: {why}).',
  },
  zh: {
    FINETUNE_PARENT_MISSING: '{path} 处没有可作为起点的早先训练：{detail}。请指定包含 weights/best 或 weights/last 的运行文件夹（例如 --from runs/NAME），或不带 --from 从头训练。',
    FINETUNE_PARENT_CORRUPT: '无法使用 {path} 中早先训练的权重（{detail}）；没有做任何更改。请改用它的另一个检查点（--from {alternative}）或其他运行，或不带 --from 从头训练。',
    FINETUNE_SCALE_MISMATCH:
      '早先的运行 {parentRun} 是 YOLOv8{parentScale} 模型，而本次训练要求 YOLOv8{scale}：一种规模的权重无法用于另一种规模。请选择 --model {parentScale} 进行微调，或不带 --from 从头训练 YOLOv8{scale}。',
    FINETUNE_TRANSFERRED: '从早先的运行 {parentRun}（{which} 权重）开始：复制了 {copied} 个张量（占全部数值的 {percent}%）；分类头按类别名称保留了 {kept} 个类别。',
    FINETUNE_NEW_CLASSES: '新类别从新初始化的分类头行开始，需要在本次训练中学习：{names}。',
    FINETUNE_REMOVED_CLASSES: '{parentRun} 中本数据集已不再包含的类别已从分类头中移除：{names}。',
    FINETUNE_NO_SHARED_CLASSES: '早先的运行 {parentRun} 与本数据集没有相同的类别名称：只复用特征层，所有类别都从头学习。如果您预期类别应当一致，请检查类别名称。',
    FINETUNE_TENSORS_FRESH: '有 {count} 个张量无法从 {parentRun} 取得，改为重新初始化（例如 {example}：{why}）。',
  },
};
