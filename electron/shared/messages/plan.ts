/** Reason and error sentences of the plan domain, English and Simplified Chinese, by code. */
export const planMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {},
  zh: {},
};
