/** Reason and error sentences of model export (ONNX and later formats), English and Simplified Chinese, by code. */
export const exportMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {
    EXPORT_WEIGHTS_NOT_FOUND:
      'No trained weights in {path}. Give a run folder (runs/<name>, holding weights/best or weights/last) or a weights folder that holds model.json.',
    EXPORT_FORMAT_UNKNOWN: 'Kestrel cannot export to "{format}". Use one of: {formats}.',
    EXPORT_OPSET_UNSUPPORTED: 'ONNX opset {opset} is not offered. Use --opset 17 (ONNX Runtime, OpenVINO, TensorRT) or --opset 12 (OpenCV DNN).',
    EXPORT_OUT_UNWRITABLE: 'Cannot write the export to {dir} ({detail}). Choose a folder you can write to with --out, or free some disk space.',
    EXPORT_ONNX_UNREADABLE: '{file} is not an ONNX model Kestrel exported ({detail}). Export it again with `kestrel export`.',
    EXPORT_RUNTIME_UNAVAILABLE: 'ONNX Runtime does not load on this machine ({detail}). Reinstall Kestrel, or keep using the TF.js runtime.',
    EXPORT_RECORD_UNREADABLE: '{file} is damaged, so this export was not added to the run\'s list. Delete or repair the file; the exported model itself is complete.',
  },
  zh: {
    EXPORT_WEIGHTS_NOT_FOUND: '{path} 中没有训练好的权重。请指定运行文件夹（runs/<名称>，其中含 weights/best 或 weights/last）或包含 model.json 的权重文件夹。',
    EXPORT_FORMAT_UNKNOWN: 'Kestrel 无法导出为“{format}”。请使用以下之一：{formats}。',
    EXPORT_OPSET_UNSUPPORTED: '不提供 ONNX opset {opset}。请使用 --opset 17（ONNX Runtime、OpenVINO、TensorRT）或 --opset 12（OpenCV DNN）。',
    EXPORT_OUT_UNWRITABLE: '无法将导出写入 {dir}（{detail}）。请用 --out 选择可写的文件夹，或释放磁盘空间。',
    EXPORT_ONNX_UNREADABLE: '{file} 不是 Kestrel 导出的 ONNX 模型（{detail}）。请用 `kestrel export` 重新导出。',
    EXPORT_RUNTIME_UNAVAILABLE: '此计算机无法加载 ONNX Runtime（{detail}）。请重新安装 Kestrel，或继续使用 TF.js 运行时。',
    EXPORT_RECORD_UNREADABLE: '{file} 已损坏，因此本次导出未记入运行的导出列表。请删除或修复该文件；导出的模型本身是完整的。',
  },
};
