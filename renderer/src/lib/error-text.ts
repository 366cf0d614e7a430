/**
 * An error's sentence in the UI's language. Main answers with the English sentence, the code and
 * the figures it was filled from; the Chinese catalogue has a sentence per code. A Chinese
 * template is used only when every figure it names came along (a missing one would show as
 * `{name}`); else the English sentence is read back into its figures; else it is shown as sent.
 * Pure, unit-tested in test/renderer/error-text.test.ts.
 */
import { messages, type Locale } from '../../../electron/shared/messages/index';
import { formatReasonDeep, parseEnglishReason } from './nested-reasons';

/** What errorText needs of an error. */
export interface CodedError {
  code: string;
  message: string;
  params?: Record<string, string | number | boolean>;
}

/** The placeholders of a template. */
function names(tpl: string): string[] {
  return [...tpl.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** The error's sentence in `locale`. */
export function errorText(e: CodedError, locale: Locale): string {
  if (locale === 'en') return e.message;
  const tpl = messages[locale][e.code];
  if (tpl === undefined) return e.message;
  const params = e.params ?? {};
  if (names(tpl).every((n) => n in params)) return formatReasonDeep({ code: e.code, params, message: e.message }, locale);
  const parsed = parseEnglishReason(e.message);
  if (parsed && parsed.code === e.code) return formatReasonDeep(parsed, locale);
  return e.message;
}
