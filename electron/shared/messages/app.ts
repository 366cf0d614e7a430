/** Reason and error sentences of the app domain, English and Simplified Chinese, by code. */
export const appMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {},
  zh: {},
};
