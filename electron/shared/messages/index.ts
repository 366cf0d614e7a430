import { appMessages } from './app';
import { backendMessages } from './backend';
import { datasetMessages } from './dataset';
import { hardwareMessages } from './hardware';
import { modelMessages } from './model';
import { planMessages } from './plan';
import { trainMessages } from './train';

/** Locales Kestrel speaks. */
export type Locale = 'en' | 'zh';

const domains = [planMessages, hardwareMessages, backendMessages, datasetMessages, modelMessages, trainMessages, appMessages];

/** Every reason/error sentence by locale and code; each domain keeps its own file. */
export const messages: Record<Locale, Record<string, string>> = {
  en: Object.assign({}, ...domains.map((d) => d.en)) as Record<string, string>,
  zh: Object.assign({}, ...domains.map((d) => d.zh)) as Record<string, string>,
};
