/** Reason and error sentences of the model domain, English and Simplified Chinese, by code. */
export const modelMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {
    MODEL_WEIGHTS_NOT_FOUND: 'No saved model in {dir} (model.json is missing). Point to a weights folder written by Kestrel, e.g. runs/<name>/weights/best.',
    MODEL_WEIGHTS_INVALID: 'The saved model in {dir} cannot be read: {detail}. Use another checkpoint (weights/last or weights/best) or train again.',
    MODEL_WEIGHTS_MISMATCH: 'The weights file in {dir} does not match its model.json ({detail}); the save was interrupted or the files were mixed. Use another checkpoint.',
    MODEL_CLASSES_MISMATCH:
      'The model knows {modelClasses} classes ({modelNames}) but the dataset has {dataClasses} ({dataNames}). Evaluate with weights trained on this dataset.',
    MODEL_NO_VAL_IMAGES: 'The dataset at {path} has no validation images to evaluate on. Add a validation split (or val images) to it.',
  },
  zh: {
    MODEL_WEIGHTS_NOT_FOUND: '{dir} 中没有已保存的模型（缺少 model.json）。请指向 Kestrel 写出的权重文件夹，例如 runs/<name>/weights/best。',
    MODEL_WEIGHTS_INVALID: '无法读取 {dir} 中保存的模型：{detail}。请使用其他检查点（weights/last 或 weights/best）或重新训练。',
    MODEL_WEIGHTS_MISMATCH: '{dir} 中的权重文件与其 model.json 不一致（{detail}）；保存被中断或文件被混用。请使用其他检查点。',
    MODEL_CLASSES_MISMATCH: '模型有 {modelClasses} 个类别（{modelNames}），而数据集有 {dataClasses} 个（{dataNames}）。请使用在此数据集上训练的权重进行评估。',
    MODEL_NO_VAL_IMAGES: '{path} 处的数据集没有可用于评估的验证图像。请为其添加验证集（或 val 图像）。',
  },
};
