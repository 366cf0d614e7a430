import { appMessages } from './app';
import { backendMessages } from './backend';
import { cliMessages } from './cli';
import { datasetMessages } from './dataset';
import { exportMessages } from './export';
import { finetuneMessages } from './finetune';
import { hardwareMessages } from './hardware';
import { labelsMessages } from './labels';
import { modelMessages } from './model';
import { planMessages } from './plan';
import { predictMessages } from './predict';
import { pretrainedMessages } from './pretrained';
import { resultsMessages } from './results';
import { trainMessages } from './train';
import { tuneMessages } from './tune';

/** Locales Kestrel speaks. */
export type Locale = 'en' | 'zh';

const domains = [planMessages, hardwareMessages, backendMessages, datasetMessages, modelMessages, trainMessages, appMessages, exportMessages, labelsMessages, finetuneMessages, pretrainedMessages, predictMessages, resultsMessages, tuneMessages, cliMessages];

/** Every reason/error sentence by locale and code; each domain keeps its own file. */
export const messages: Record<Locale, Record<string, string>> = {
  en: Object.assign({}, ...domains.map((d) => d.en)) as Record<string, string>,
  zh: Object.assign({}, ...domains.map((d) => d.zh)) as Record<string, string>,
};
