/** Reason and error sentences of the model domain, English and Simplified Chinese, by code. */
export const modelMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {},
  zh: {},
};
