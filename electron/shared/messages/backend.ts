/** Reason and error sentences of the backend domain, English and Simplified Chinese, by code. */
export const backendMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {},
  zh: {},
};
