/** Reason and error sentences of the app domain, English and Simplified Chinese, by code. */
export const appMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {
    APP_REC_IMGSZ_OBJECTS: 'Input {imgsz} px keeps the smaller objects at about {px} px, above the {min} px a detector needs.',
    APP_REC_IMGSZ_NATIVE: 'Input {imgsz} px: your images are about {side} px, and enlarging them adds no detail.',
    APP_REC_IMGSZ_CPU: 'Input {imgsz} px: training runs on the CPU, where larger inputs are slow; small objects become about {px} px.',
    APP_REC_SCALE_GPU: 'Model scale {scale}: the GPU has {gib} GiB free for {images} training images.',
    APP_REC_SCALE_CPU: 'Model scale {scale}: training runs on the CPU, where the smallest model trains in reasonable time.',
    APP_BAD_REQUEST: 'The request was malformed. This is a bug in the app; please report it.',
    APP_BAD_RESPONSE: 'An answer did not match the contract. Please report it with the run folder.',
    APP_UNKNOWN_CHANNEL: 'Unknown channel. Update the app: its parts do not match.',
    APP_UNTRUSTED_SENDER: 'A request came from a page that is not Kestrel\'s window and was refused.',
    APP_TRAINING_BUSY: 'A run is still training. Stop it first, or wait until it ends.',
    APP_RUN_NOT_FOUND: 'That run no longer exists. Refresh the list of runs.',
    APP_RUN_ID_INVALID: 'That is not a run name. Pick a run from the list.',
    APP_RUN_NOT_RESUMABLE: 'That run has no checkpoint to resume from. Start a new run.',
    APP_NO_WEIGHTS: 'That run has no saved model yet. Train at least one epoch first.',
    APP_PATH_NOT_ALLOWED: 'Kestrel opens only its run folders and the datasets you picked.',
    APP_ENGINE_MISSING: 'A part of Kestrel could not be loaded. Reinstall Kestrel.',
    APP_PLAN_NO_SCHEDULE: 'The plan has no schedule length. Update Kestrel: its parts do not match.',
    APP_RECOVERED_OOM_RESTART:
      'The training process ran out of memory ({cause}) at a batch of {fromBatch} x {fromAccumulation} accumulation. Kestrel restarted it from the checkpoint of epoch {epoch} with a batch of {batch} x {accumulation} accumulation: the effective batch ({effective}) and the learning rate stay the same.',
    APP_RECOVERED_OOM_RESTART_FRESH:
      'The training process ran out of memory ({cause}) at a batch of {fromBatch} x {fromAccumulation} accumulation, before its first checkpoint. Kestrel started the run again with a batch of {batch} x {accumulation} accumulation: the effective batch ({effective}) and the learning rate stay the same.',
    APP_OOM_AT_BATCH_ONE:
      'The training process ran out of memory even at a batch of 1 image ({cause}). Choose a smaller input size or model scale, or close other programs, then resume or start again.',
    APP_OOM_GAVE_UP:
      'The training process ran out of memory {times} times ({cause}); the last try used a batch of {batch}. Close other programs or choose a smaller input size, then resume from the last checkpoint.',
    APP_CRASHED: 'The training process stopped unexpectedly (exit code {code}, {cause}).',
    APP_CRASHED_OOM: 'The training process ran out of memory and was stopped ({cause}).',
  },
  zh: {
    APP_REC_IMGSZ_OBJECTS: '输入 {imgsz} 像素时，较小的目标约为 {px} 像素，高于检测器所需的 {min} 像素。',
    APP_REC_IMGSZ_NATIVE: '输入 {imgsz} 像素：您的图像约为 {side} 像素，放大不会增加细节。',
    APP_REC_IMGSZ_CPU: '输入 {imgsz} 像素：训练在 CPU 上运行，较大的输入很慢；小目标约为 {px} 像素。',
    APP_REC_SCALE_GPU: '模型规模 {scale}：GPU 有 {gib} GiB 可用内存，训练图像 {images} 张。',
    APP_REC_SCALE_CPU: '模型规模 {scale}：训练在 CPU 上运行，最小的模型能在合理时间内训练完成。',
    APP_BAD_REQUEST: '请求格式错误。这是应用的缺陷，请报告。',
    APP_BAD_RESPONSE: '返回结果与接口约定不符。请连同运行文件夹一起报告。',
    APP_UNKNOWN_CHANNEL: '未知的通道。请更新应用：各部分版本不一致。',
    APP_UNTRUSTED_SENDER: '请求并非来自 Kestrel 的窗口，已被拒绝。',
    APP_TRAINING_BUSY: '仍有训练在运行。请先停止它，或等待其结束。',
    APP_RUN_NOT_FOUND: '该运行已不存在。请刷新运行列表。',
    APP_RUN_ID_INVALID: '这不是有效的运行名称。请从列表中选择。',
    APP_RUN_NOT_RESUMABLE: '该运行没有可恢复的检查点。请开始新的运行。',
    APP_NO_WEIGHTS: '该运行尚未保存模型。请至少训练一个轮次。',
    APP_PATH_NOT_ALLOWED: 'Kestrel 只打开它的运行文件夹和您选择的数据集。',
    APP_ENGINE_MISSING: 'Kestrel 的某个组件无法加载。请重新安装 Kestrel。',
    APP_PLAN_NO_SCHEDULE: '训练计划缺少调度长度。请更新 Kestrel：各部分版本不一致。',
    APP_RECOVERED_OOM_RESTART:
      '训练进程在批大小 {fromBatch} × 累积 {fromAccumulation} 时内存不足（{cause}）。Kestrel 已从第 {epoch} 轮的检查点重新启动，批大小 {batch} × 累积 {accumulation}：有效批大小（{effective}）和学习率保持不变。',
    APP_RECOVERED_OOM_RESTART_FRESH:
      '训练进程在批大小 {fromBatch} × 累积 {fromAccumulation} 时内存不足（{cause}），当时尚未保存检查点。Kestrel 已重新开始训练，批大小 {batch} × 累积 {accumulation}：有效批大小（{effective}）和学习率保持不变。',
    APP_OOM_AT_BATCH_ONE: '即使批大小为 1 张图像，训练进程仍内存不足（{cause}）。请选择更小的输入尺寸或模型规模，或关闭其他程序，然后继续或重新开始。',
    APP_OOM_GAVE_UP: '训练进程已 {times} 次内存不足（{cause}）；最后一次的批大小为 {batch}。请关闭其他程序或选择更小的输入尺寸，然后从最后的检查点继续。',
    APP_CRASHED: '训练进程意外停止（退出码 {code}，{cause}）。',
    APP_CRASHED_OOM: '训练进程内存不足，已被停止（{cause}）。',
  },
};
