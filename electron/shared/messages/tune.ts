/** Reason and error sentences of the tune domain (LR range test and the small automatic search), English and Simplified Chinese, by code. */
export const tuneMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {
    TUNE_LR_MIN_DIV10:
      'The loss fell fastest around LR {steepLr} and was lowest at LR {minLr}; Kestrel takes a tenth of the lowest-loss LR, {chosen}, because the loss minimum is already the edge of instability.',
    TUNE_LR_FLAT:
      'The loss hardly changed over LR {fromLr} to {toLr} (by {changePercent}%), so the test says nothing about the LR: the planned LR {planned} is kept. Try more steps (--steps) or a larger input size.',
    TUNE_LR_DIVERGED_EARLY:
      'The loss rose from the first steps on, already at LR {fromLr}: every LR tried was too high for this model and data, so Kestrel takes the lowest safe LR, {chosen}. Check the labels and try a lower --lr-min.',
    TUNE_LR_NO_MINIMUM:
      'The loss was still falling at the largest LR tried ({toLr}): the test found no minimum, so Kestrel takes a tenth of that LR, {chosen}. Try a larger --lr-max for a clearer answer.',
    TUNE_LR_CLAMPED:
      'The test pointed at LR {raw}, outside the safe range of {optimizer} ({safeMin} to {safeMax}); Kestrel keeps it at {chosen}, the nearest safe value.',
    TUNE_LR_VS_PLAN: 'The chosen LR {chosen} is {ratio} times the planned LR {planned}.',
    TUNE_LR_DIVERGED_STOP: 'The test stopped at step {step} (LR {lr}): the smoothed loss {loss} was over {factor} times its best, {best}.',
    TUNE_LR_NOT_FINITE_STOP: 'The test stopped at step {step} (LR {lr}): the loss was no longer a finite number.',
    TUNE_KNOB_UNAVAILABLE:
      'The search does not vary {knob} yet: a plan cannot take it as an override today, so every trial uses the planned value.',
    TUNE_BUDGET_REACHED: 'The time budget of {budget} was reached after {elapsed}: the search stopped and reports the best trial so far.',
    TUNE_WINNER:
      'Trial {trial} won with fitness {fitness} (mAP50 {map50}) after {epochs} epochs: LR {lr}, augmentation {augment}.',
    TUNE_NO_DATA: 'Give the dataset with --data PATH (a data.yaml, a YOLO or VOC folder, or a COCO .json).',
    TUNE_MODE_MISSING: 'Say what to tune: --lr-find for the LR range test, or --trials N or --budget 30m for the automatic search.',
    TUNE_MODE_BOTH: 'Run the LR range test (--lr-find) and the automatic search (--trials / --budget) separately, one at a time.',
    TUNE_BAD_BUDGET: 'The budget "{value}" is not a duration: write it as minutes or hours, for example 30m, 90m or 2h (at most 48h).',
    TUNE_BAD_LR_RANGE: 'The LR range must rise: --lr-min {lrMin} must be below --lr-max {lrMax}, both between 1e-8 and 1.',
    TUNE_STATE_MISMATCH:
      'The folder {path} holds a search of other settings ({detail}); it was not changed. Continue it with the same settings, or give another --out folder.',
    TUNE_STATE_UNREADABLE: 'The search state {path} cannot be read ({detail}). Give another --out folder to start afresh, or restore the file.',
    TUNE_NO_VAL_IMAGES:
      'The search ranks trials by their validation mAP, but the dataset has no validation images. Add a validation split (or more images, so Kestrel can split off 20%).',
    TUNE_NO_TRAIN_IMAGES: 'The dataset has no training images, so there is nothing to run the LR range test on. Check it with `kestrel dataset check`.',
    TUNE_TOO_FEW_STEPS: 'The LR range test needs at least {min} steps to say anything; {steps} were asked for.',
    TUNE_LR_FIND_ENDED: 'The LR range test process ended ({cause}): {detail}. Try again; if it ends again, choose a smaller input size or batch.',
  },
  zh: {
    TUNE_LR_MIN_DIV10: '损失在学习率 {steepLr} 附近下降最快，在学习率 {minLr} 时最低；Kestrel 取最低损失学习率的十分之一，即 {chosen}，因为损失最低点已处于不稳定的边缘。',
    TUNE_LR_FLAT:
      '在学习率 {fromLr} 到 {toLr} 之间损失几乎没有变化（变化 {changePercent}%），因此测试无法说明学习率的好坏：保留计划的学习率 {planned}。可以尝试更多步数（--steps）或更大的输入尺寸。',
    TUNE_LR_DIVERGED_EARLY:
      '从最初几步起损失就在上升，在学习率 {fromLr} 时已是如此：所试的每个学习率对该模型和数据都太高，因此 Kestrel 取最低的安全学习率 {chosen}。请检查标注，并尝试更低的 --lr-min。',
    TUNE_LR_NO_MINIMUM:
      '在所试的最大学习率（{toLr}）处损失仍在下降：测试没有找到最低点，因此 Kestrel 取该学习率的十分之一，即 {chosen}。可以尝试更大的 --lr-max 以得到更明确的结果。',
    TUNE_LR_CLAMPED: '测试指向学习率 {raw}，超出了 {optimizer} 的安全范围（{safeMin} 到 {safeMax}）；Kestrel 将其定为最接近的安全值 {chosen}。',
    TUNE_LR_VS_PLAN: '所选学习率 {chosen} 是计划学习率 {planned} 的 {ratio} 倍。',
    TUNE_LR_DIVERGED_STOP: '测试在第 {step} 步（学习率 {lr}）停止：平滑后的损失 {loss} 超过了其最佳值 {best} 的 {factor} 倍。',
    TUNE_LR_NOT_FINITE_STOP: '测试在第 {step} 步（学习率 {lr}）停止：损失已不再是有限数值。',
    TUNE_KNOB_UNAVAILABLE: '搜索暂时不调整 {knob}：目前训练计划还不能将其作为覆盖项，因此每次试验都使用计划值。',
    TUNE_BUDGET_REACHED: '在 {elapsed} 后达到了 {budget} 的时间预算：搜索已停止，并报告目前最好的试验。',
    TUNE_WINNER: '试验 {trial} 以适应度 {fitness}（mAP50 {map50}）在 {epochs} 轮后胜出：学习率 {lr}，数据增强 {augment}。',
    TUNE_NO_DATA: '请用 --data PATH 指定数据集（data.yaml、YOLO 或 VOC 文件夹，或 COCO .json 文件）。',
    TUNE_MODE_MISSING: '请说明要调什么：--lr-find 进行学习率范围测试，或 --trials N 或 --budget 30m 进行自动搜索。',
    TUNE_MODE_BOTH: '请分别运行学习率范围测试（--lr-find）和自动搜索（--trials / --budget），一次只运行一个。',
    TUNE_BAD_BUDGET: '预算“{value}”不是一个时长：请写成分钟或小时，例如 30m、90m 或 2h（最多 48h）。',
    TUNE_BAD_LR_RANGE: '学习率范围必须递增：--lr-min {lrMin} 必须小于 --lr-max {lrMax}，且两者都在 1e-8 到 1 之间。',
    TUNE_STATE_MISMATCH: '文件夹 {path} 中保存的是另一组设置的搜索（{detail}）；未做任何更改。请用相同的设置继续它，或指定另一个 --out 文件夹。',
    TUNE_STATE_UNREADABLE: '无法读取搜索状态文件 {path}（{detail}）。请指定另一个 --out 文件夹重新开始，或恢复该文件。',
    TUNE_NO_VAL_IMAGES: '搜索按验证集 mAP 对试验排序，但该数据集没有验证图像。请添加验证集（或更多图像，以便 Kestrel 划出 20%）。',
    TUNE_NO_TRAIN_IMAGES: '该数据集没有训练图像，无法进行学习率范围测试。请用 `kestrel dataset check` 检查它。',
    TUNE_TOO_FEW_STEPS: '学习率范围测试至少需要 {min} 步才能得出结论；当前只要求了 {steps} 步。',
    TUNE_LR_FIND_ENDED: '学习率范围测试进程已结束（{cause}）：{detail}。请重试；如果再次结束，请选择更小的输入尺寸或批大小。',
  },
};
