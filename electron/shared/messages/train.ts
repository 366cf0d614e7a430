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
    TRAIN_START_FAILED:
      'The training process ended before it sent its first message (exit code {code}, {cause}){detail}: it could not start, so nothing was trained and a restart would fail the same way. Run the same `kestrel train` in a terminal to see its error, or reinstall Kestrel.',
    APP_RECOVERED_KILLED_RESTART:
      'The training process was killed from outside ({cause}) without reporting an error. Kestrel assumed the system ran out of memory (the operating system\'s out-of-memory killer ends processes this way) and restarted it from the checkpoint of epoch {epoch} with a batch of {batch} x {accumulation} accumulation instead of {fromBatch} x {fromAccumulation}: the effective batch ({effective}) and the learning rate stay the same. To end a run yourself, use Stop or Ctrl+C.',
    APP_RECOVERED_KILLED_RESTART_FRESH:
      'The training process was killed from outside ({cause}) without reporting an error, before its first checkpoint. Kestrel assumed the system ran out of memory (the operating system\'s out-of-memory killer ends processes this way) and started the run again with a batch of {batch} x {accumulation} accumulation instead of {fromBatch} x {fromAccumulation}: the effective batch ({effective}) and the learning rate stay the same. To end a run yourself, use Stop or Ctrl+C.',
    APP_CRASHED_KILLED:
      'The training process was killed from outside ({cause}) without reporting an error; Kestrel took it for the operating system ending it for lack of memory. Close other programs and resume the run from its last checkpoint.',
    RUN_LOCKED:
      'The run folder {runDir} is being trained by another Kestrel process (pid {pid} on {host}, since {since}). Wait for that run to finish or stop it first: two processes writing one run would mix their checkpoints.',
    RUN_LOCK_TAKEN_OVER:
      'The run folder {runDir} was locked by a process that is no longer running (pid {pid} on {host}, since {since}); Kestrel took the lock over.',
    RUN_LOCK_UNREADABLE:
      'The lock file of the run folder {runDir} is unreadable; Kestrel replaced it. If another Kestrel process is training this run, stop one of them.',
    TRAIN_TEMP_CLEANED: 'Removed {count} temporary file(s) or folder(s) left in the run folder by an interrupted write: {names}.',
    TRAIN_METRICS_TRIMMED:
      'metrics.csv had {dropped} row(s) for epochs after the checkpoint the run resumes from (epoch {epoch}), written by a process that died before its next checkpoint: they were removed, since those epochs are trained again.',
    TRAIN_DATASET_GONE:
      'The dataset cannot be read any more ({detail}). The run stopped and keeps its last checkpoint: bring the dataset back to {path} and resume with "kestrel train --resume {runDir}".',
    TRAIN_BATCH_TOO_LARGE:
      'A per-device batch of {batch} at {imgsz} px needs about {neededMiB} MiB, more than the {budgetMiB} MiB training may use on {device}; nothing was started. Leave --batch out so the planner picks the largest batch that fits ({fits}), or choose a smaller input size.',
    TRAIN_PLAN_CHANGED_LAYOUT: 'The batch is {to} (per-device batch x accumulation), not the {from} the Plan step showed: {why}',
    TRAIN_PLAN_CHANGED_LR: 'The learning rate is {to}, not the {from} the Plan step showed: {why}',
    TRAIN_PLAN_CHANGED_WARMUP: 'The warmup is {to} optimizer steps, not the {from} the Plan step showed: {why}',
    TRAIN_PLAN_CHANGED_EPOCHS: 'The run trains {to} epochs, not the {from} the Plan step showed: {why}',
    TRAIN_PLAN_WHY_MEASURED: 'Kestrel measured the memory of real training steps at the start, and the measurement differs from the estimate the Plan step used.',
    TRAIN_PLAN_WHY_CALIBRATION: 'the memory measured on this machine ({measuredAt}) replaced the estimate the Plan step used.',
    TRAIN_PLAN_WHY_OTHER: 'the free memory, the backend or the dataset changed between the Plan step and the start.',
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
    TRAIN_START_FAILED:
      '训练进程在发出第一条消息之前就结束了（退出码 {code}，{cause}）{detail}：它无法启动，因此没有进行任何训练，重启也会以同样方式失败。请在终端中运行同样的 `kestrel train` 查看错误，或重新安装 Kestrel。',
    APP_RECOVERED_KILLED_RESTART:
      '训练进程被外部终止（{cause}），且未报告任何错误。Kestrel 假定系统内存不足（操作系统的内存不足终止机制会这样结束进程），已从第 {epoch} 轮的检查点重新启动，批大小由 {fromBatch} × 累积 {fromAccumulation} 改为 {batch} × 累积 {accumulation}：有效批大小（{effective}）和学习率保持不变。如需自行结束训练，请使用"停止"或 Ctrl+C。',
    APP_RECOVERED_KILLED_RESTART_FRESH:
      '训练进程在保存第一个检查点之前被外部终止（{cause}），且未报告任何错误。Kestrel 假定系统内存不足（操作系统的内存不足终止机制会这样结束进程），已重新开始训练，批大小由 {fromBatch} × 累积 {fromAccumulation} 改为 {batch} × 累积 {accumulation}：有效批大小（{effective}）和学习率保持不变。如需自行结束训练，请使用"停止"或 Ctrl+C。',
    APP_CRASHED_KILLED: '训练进程被外部终止（{cause}），且未报告任何错误；Kestrel 认为是操作系统因内存不足结束了它。请关闭其他程序，然后从最后的检查点继续训练。',
    RUN_LOCKED: '运行文件夹 {runDir} 正由另一个 Kestrel 进程训练（{host} 上的进程 {pid}，开始于 {since}）。请等待该训练结束或先停止它：两个进程同时写入同一运行会混淆检查点。',
    RUN_LOCK_TAKEN_OVER: '运行文件夹 {runDir} 被一个已不再运行的进程锁定（{host} 上的进程 {pid}，开始于 {since}）；Kestrel 已接管该锁。',
    RUN_LOCK_UNREADABLE: '运行文件夹 {runDir} 的锁文件无法读取；Kestrel 已替换它。如果另一个 Kestrel 进程正在训练此运行，请停止其中一个。',
    TRAIN_TEMP_CLEANED: '已删除运行文件夹中因写入中断而遗留的 {count} 个临时文件或文件夹：{names}。',
    TRAIN_METRICS_TRIMMED: 'metrics.csv 中有 {dropped} 行属于恢复所用检查点（第 {epoch} 轮）之后的轮次，由一个在保存下一个检查点前终止的进程写入：这些行已删除，因为这些轮次会重新训练。',
    TRAIN_DATASET_GONE: '数据集已无法读取（{detail}）。训练已停止并保留最后的检查点：请将数据集放回 {path}，然后用 "kestrel train --resume {runDir}" 继续。',
    TRAIN_BATCH_TOO_LARGE:
      '在 {imgsz} 像素下，每设备批大小 {batch} 约需 {neededMiB} MiB，超过了 {device} 上训练可用的 {budgetMiB} MiB；未开始任何训练。请不指定 --batch，让规划器选择能容纳的最大批大小（{fits}），或选择更小的输入尺寸。',
    TRAIN_PLAN_CHANGED_LAYOUT: '批量为 {to}（每设备批量 x 累积），而不是计划步骤显示的 {from}：{why}',
    TRAIN_PLAN_CHANGED_LR: '学习率为 {to}，而不是计划步骤显示的 {from}：{why}',
    TRAIN_PLAN_CHANGED_WARMUP: '预热为 {to} 个优化步，而不是计划步骤显示的 {from}：{why}',
    TRAIN_PLAN_CHANGED_EPOCHS: '本次训练 {to} 轮，而不是计划步骤显示的 {from} 轮：{why}',
    TRAIN_PLAN_WHY_MEASURED: 'Kestrel 在开始时测量了真实训练步的内存，测量值与计划步骤使用的估算值不同。',
    TRAIN_PLAN_WHY_CALIBRATION: '本机此前测得的内存（{measuredAt}）取代了计划步骤使用的估算值。',
    TRAIN_PLAN_WHY_OTHER: '在计划步骤与开始训练之间，可用内存、后端或数据集发生了变化。',
  },
};
