/** Reason and error sentences of the dataset domain, English and Simplified Chinese, by code. */
export const datasetMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {},
  zh: {},
};
