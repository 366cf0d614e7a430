// Reasons: a code from the message catalogue, its figures and its English sentence.
import { messages, type Locale } from './messages/index';

/** A value a reason template may interpolate. */
export type ReasonParam = string | number | boolean;

/**
 * Why Kestrel decided something, or what it warns about, in a form a UI can translate:
 * a stable code, the figures behind it, and the English sentence.
 */
export interface Reason {
  code: string;
  params: Record<string, ReasonParam>;
  message: string;
}

/** Fills `{name}` placeholders; numbers are shown as given (callers round them first). */
export function fillTemplate(template: string, params: Record<string, ReasonParam>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/** Builds a Reason from a code in the message catalogue, with its English sentence. */
export function reason(code: string, params: Record<string, ReasonParam> = {}): Reason {
  const tpl = messages.en[code];
  if (tpl === undefined) throw new Error(`No message for reason code ${code}`);
  return { code, params, message: fillTemplate(tpl, params) };
}

/** The sentence of a reason in the given locale (falls back to the English one). */
export function formatReason(r: Reason, locale: Locale): string {
  const tpl = messages[locale][r.code];
  return tpl === undefined ? r.message : fillTemplate(tpl, r.params);
}
