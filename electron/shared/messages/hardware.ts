/** Reason and error sentences of the hardware domain, English and Simplified Chinese, by code. */
export const hardwareMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {},
  zh: {},
};
