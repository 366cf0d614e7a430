/** Error sentences of the label editor (read, save, add images), English and Simplified Chinese, by code. */
export const labelsMessages: {
  en: Record<string, string>;
  zh: Record<string, string>;
} = {
  en: {
    LABELS_NOT_FOUND: 'Kestrel cannot find {file} in the dataset. Run the check again: the file may have been moved or deleted.',
    LABELS_OUTSIDE_DATASET: '{file} is not inside the dataset folder {root}. Kestrel edits only files of the dataset you opened.',
    LABELS_DATASET_NOT_OPEN: 'Open the dataset {path} on the Dataset step first; Kestrel edits only datasets you picked.',
    LABELS_SOURCE_NOT_ALLOWED: 'Kestrel adds images only from its run folders and the datasets you opened; {file} is elsewhere.',
    LABELS_NOT_AN_IMAGE: '{file} is not an image Kestrel reads (JPEG, PNG, BMP, TIFF, WebP). Pick an image.',
    LABELS_IMAGE_UNREADABLE: 'Kestrel cannot read the image {file} ({reason}). Replace the file, or delete it with its label.',
    LABELS_FILE_UNREADABLE: 'The label file {file} cannot be read ({reason}). Fix its syntax in a text editor, or restore it from its backup.',
    LABELS_FORMAT_UNKNOWN: 'Kestrel cannot tell the format of {path}. Open a YOLO folder, a data.yaml, a Pascal VOC folder or a COCO JSON.',
    LABELS_BOX_INVALID: 'Box {index} has no area or lies outside the image. Draw it again.',
    LABELS_CLASS_UNKNOWN: 'Box {index} has class {cls}, but the dataset has {count} classes. Pick one of its classes.',
    LABELS_CHANGED_ON_DISK: '{file} was changed by another program since the editor opened it. Reopen the image in the editor, then make your change again.',
    LABELS_READ_ONLY: 'Kestrel cannot write to {file} ({reason}); the file is unchanged. Make the dataset folder writable (or copy it somewhere writable), then save again.',
    LABELS_WRITE_FAILED: 'Saving {file} failed ({reason}); the file is unchanged. Check the disk has free space, then save again.',
    LABELS_NO_TRAIN_SPLIT: 'Kestrel cannot find where the training images of {path} go. Add a train entry to its data.yaml, or a train COCO file.',
    LABELS_ALREADY_IN_DATASET: 'This image is already in the dataset as {existing}. Fix its labels there (from the dataset check or the Results gallery) instead: adding it again would train on the same picture twice, or on a validation image.',
  },
  zh: {
    LABELS_NOT_FOUND: 'Kestrel 在数据集中找不到 {file}。请重新检查：该文件可能已被移动或删除。',
    LABELS_OUTSIDE_DATASET: '{file} 不在数据集文件夹 {root} 中。Kestrel 只编辑您打开的数据集中的文件。',
    LABELS_DATASET_NOT_OPEN: '请先在“数据集”步骤中打开数据集 {path}；Kestrel 只编辑您选择的数据集。',
    LABELS_SOURCE_NOT_ALLOWED: 'Kestrel 只从它的运行文件夹和您打开的数据集中添加图像；{file} 不在其中。',
    LABELS_NOT_AN_IMAGE: '{file} 不是 Kestrel 能读取的图像（JPEG、PNG、BMP、TIFF、WebP）。请选择一张图像。',
    LABELS_IMAGE_UNREADABLE: 'Kestrel 无法读取图像 {file}（{reason}）。请替换该文件，或将它与其标注一起删除。',
    LABELS_FILE_UNREADABLE: '无法读取标注文件 {file}（{reason}）。请在文本编辑器中修正其语法，或从备份中恢复。',
    LABELS_FORMAT_UNKNOWN: 'Kestrel 无法判断 {path} 的格式。请打开 YOLO 文件夹、data.yaml、Pascal VOC 文件夹或 COCO JSON。',
    LABELS_BOX_INVALID: '第 {index} 个框没有面积或位于图像之外。请重新绘制。',
    LABELS_CLASS_UNKNOWN: '第 {index} 个框的类别为 {cls}，但数据集只有 {count} 个类别。请选择其中一个类别。',
    LABELS_CHANGED_ON_DISK: '自编辑器打开以来，{file} 已被其他程序修改。请在编辑器中重新打开该图像，然后重新修改。',
    LABELS_READ_ONLY: 'Kestrel 无法写入 {file}（{reason}）；文件未被修改。请让数据集文件夹可写（或将其复制到可写的位置），然后再次保存。',
    LABELS_WRITE_FAILED: '保存 {file} 失败（{reason}）；文件未被修改。请检查磁盘是否有剩余空间，然后再次保存。',
    LABELS_NO_TRAIN_SPLIT: 'Kestrel 找不到 {path} 的训练图像应放在哪里。请在 data.yaml 中添加 train 项，或提供训练用的 COCO 文件。',
    LABELS_ALREADY_IN_DATASET: '这张图像已作为 {existing} 存在于数据集中。请改为在那里修正它的标注（从数据集检查或结果图库打开）：再次添加会使同一张图像被训练两次，或把验证图像用于训练。',
  },
};
