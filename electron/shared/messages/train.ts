/** Reason and error sentences of the train domain, English and Simplified Chinese, by code. */
export const trainMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {},
  zh: {},
};
