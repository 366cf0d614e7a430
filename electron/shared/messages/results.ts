/**
 * Sentences of the Results and Past-runs channels: Try it, thresholds, the report, deleting
 * and naming runs (en + zh, by stable code).
 */
export const resultsMessages = {
  en: {
    APP_DIALOG_TRY_FOLDER_TITLE: 'Try the model on the images in',
    APP_DIALOG_TRY_FILE_TITLE: 'Try the model on this image',
    APP_RUN_DELETE_ACTIVE: 'Run {runId} is training now. Stop it first, then delete it.',
    APP_RUN_NO_RESULTS: 'Run {runId} has no results yet. Let it finish at least one epoch with validation first.',
    APP_PLOT_INVALID: 'The plot {name} could not be saved: it is not a PNG image. Save the report again.',
  },
  zh: {
    APP_DIALOG_TRY_FOLDER_TITLE: '用模型试运行此文件夹中的图像',
    APP_DIALOG_TRY_FILE_TITLE: '用模型试运行这张图像',
    APP_RUN_DELETE_ACTIVE: '运行 {runId} 正在训练。请先停止它，然后再删除。',
    APP_RUN_NO_RESULTS: '运行 {runId} 还没有结果。请先让它完成至少一个带验证的轮次。',
    APP_PLOT_INVALID: '图表 {name} 无法保存：它不是 PNG 图像。请重新保存报告。',
  },
} as const;
