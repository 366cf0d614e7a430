/** Reason and error sentences of the train domain, English and Simplified Chinese, by code. */
export const trainMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {
    TRAIN_NAN_SKIPPED: 'The loss at optimizer step {step} was not finite ({value}): that update was skipped.',
    TRAIN_NAN_RECOVERED:
      '{count} updates in a row had a non-finite loss: training went back to the checkpoint of step {resumeStep} and continues with the learning rate at {factor} x the plan.',
    TRAIN_NAN_GAVE_UP: 'The loss stayed non-finite even after lowering the learning rate {times} times. Lower --lr, check the labels with "kestrel dataset check", or try another --optimizer.',
    TRAIN_OOM_RECOVERED:
      'Out of memory at a per-device batch of {fromBatch} ({detail}): training continues from the last checkpoint with batch {toBatch} x accumulation {toAccumulation}; the effective batch ({effectiveBatch}) and the learning rate are unchanged.',
    TRAIN_OOM_AT_BATCH_ONE: 'Out of memory even at a per-device batch of 1 ({detail}). Use a smaller --imgsz or --model scale, or close other programs.',
    TRAIN_CRASH_RECOVERED: 'The training process ended unexpectedly ({cause}): restarted from the checkpoint at step {resumeStep}.',
    TRAIN_CRASH_GAVE_UP: 'The training process ended unexpectedly {times} times ({cause}). The run folder keeps the last checkpoint: resume it with "kestrel train --resume {runDir}".',
    TRAIN_RESUME_FROM_START: 'The run {runDir} stopped before its first checkpoint: it starts again from epoch 1 with its saved configuration.',
    TRAIN_CHECKPOINT_UNREADABLE: 'The checkpoint {path} cannot be read ({detail}). Start the run again, or resume an earlier copy of the run folder.',
    TRAIN_CONFIG_UNREADABLE: 'The run configuration {path} cannot be read ({detail}). Start the run again without --resume.',
    TRAIN_NO_TRAIN_IMAGES: 'The dataset has no usable training images. Check it with "kestrel dataset check".',
    TRAIN_NO_VAL_IMAGES: 'The dataset has no validation images: validation is skipped and the last weights count as the best.',
    TRAIN_EARLY_STOP: 'Stopped early: the fitness has not improved for {patience} epochs (best {best} at epoch {bestEpoch}).',
    TRAIN_MEMORY_CALIBRATED:
      'Memory measured in a probe of {steps} real steps at batches {batches}: {fixedMiB} MiB fixed + {perImageMiB} MiB per image (the estimate was {estFixedMiB} MiB + {estPerImageMiB} MiB per image).',
    TRAIN_MEMORY_CALIBRATION_USED: 'Memory from the calibration measured {measuredAt}: {fixedMiB} MiB fixed + {perImageMiB} MiB per image.',
    TRAIN_MEMORY_PROBE_FAILED: 'The memory probe failed ({detail}); the plan uses the estimate.',
    TRAIN_MEMORY_CHECK: 'Memory at batch {batch}: predicted {predictedMiB} MiB, measured peak {measuredMiB} MiB ({diffPercent}%).',
    TRAIN_VAL_EVERY: 'Validation every {every} epochs (and at the last one), since the validation set is large ({valImages} images).',
    TRAIN_BACKEND_USED: 'Training on the {backend} backend ({detail}).',
  },
  zh: {
    TRAIN_NAN_SKIPPED: '第 {step} 次优化步的损失不是有限值（{value}）：已跳过这次更新。',
    TRAIN_NAN_RECOVERED: '连续 {count} 次更新的损失不是有限值：训练已回到第 {resumeStep} 步的检查点，并以计划学习率的 {factor} 倍继续。',
    TRAIN_NAN_GAVE_UP: '学习率已降低 {times} 次，损失仍不是有限值。请降低 --lr，用 "kestrel dataset check" 检查标注，或换一个 --optimizer。',
    TRAIN_OOM_RECOVERED:
      '单设备批量为 {fromBatch} 时内存不足（{detail}）：训练从上一个检查点继续，批量改为 {toBatch} x 累积 {toAccumulation}；有效批量（{effectiveBatch}）和学习率不变。',
    TRAIN_OOM_AT_BATCH_ONE: '单设备批量为 1 时仍内存不足（{detail}）。请使用更小的 --imgsz 或 --model 规模，或关闭其他程序。',
    TRAIN_CRASH_RECOVERED: '训练进程意外结束（{cause}）：已从第 {resumeStep} 步的检查点重新开始。',
    TRAIN_CRASH_GAVE_UP: '训练进程已意外结束 {times} 次（{cause}）。运行文件夹保留了最后的检查点：用 "kestrel train --resume {runDir}" 继续。',
    TRAIN_RESUME_FROM_START: '运行 {runDir} 在第一个检查点之前就已停止：将按其保存的配置从第 1 轮重新开始。',
    TRAIN_CHECKPOINT_UNREADABLE: '无法读取检查点 {path}（{detail}）。请重新开始训练，或恢复该运行文件夹的较早副本。',
    TRAIN_CONFIG_UNREADABLE: '无法读取运行配置 {path}（{detail}）。请不带 --resume 重新开始训练。',
    TRAIN_NO_TRAIN_IMAGES: '数据集中没有可用的训练图像。请用 "kestrel dataset check" 检查。',
    TRAIN_NO_VAL_IMAGES: '数据集中没有验证图像：跳过验证，最后的权重即视为最佳。',
    TRAIN_EARLY_STOP: '提前停止：适应度已连续 {patience} 个轮次没有提升（最佳 {best}，在第 {bestEpoch} 轮）。',
    TRAIN_MEMORY_CALIBRATED: '在批量 {batches} 下用 {steps} 个真实训练步测得内存：固定 {fixedMiB} MiB + 每张图像 {perImageMiB} MiB（估算为 {estFixedMiB} MiB + 每张 {estPerImageMiB} MiB）。',
    TRAIN_MEMORY_CALIBRATION_USED: '使用 {measuredAt} 测得的内存校准：固定 {fixedMiB} MiB + 每张图像 {perImageMiB} MiB。',
    TRAIN_MEMORY_PROBE_FAILED: '内存探测失败（{detail}）；计划使用估算值。',
    TRAIN_MEMORY_CHECK: '批量 {batch} 的内存：预测 {predictedMiB} MiB，实测峰值 {measuredMiB} MiB（{diffPercent}%）。',
    TRAIN_VAL_EVERY: '验证集较大（{valImages} 张图像），因此每 {every} 个轮次验证一次（最后一轮必定验证）。',
    TRAIN_BACKEND_USED: '使用 {backend} 后端训练（{detail}）。',
  },
};
