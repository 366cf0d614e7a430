import { fillTemplate, type Reason } from '../../../electron/shared/reason';
import { formatReasonDeep } from './nested-reasons';
import { en, type MessageKey } from '../messages/en';
import { zh } from '../messages/zh';

/** Locales of the UI. */
export type UiLocale = 'en' | 'zh';

const catalogues: Record<UiLocale, Record<MessageKey, string>> = { en, zh };
const intlLocale: Record<UiLocale, string> = { en: 'en-US', zh: 'zh-CN' };

/** The current locale: reactive, so every `t()` in a template updates when it changes. */
export const i18n = $state<{ locale: UiLocale }>({ locale: 'en' });

/** Switches the UI language (and the document's lang attribute, for screen readers). */
export function setLocale(locale: UiLocale): void {
  i18n.locale = locale;
  document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en';
}

/** A UI string with `{param}` placeholders filled; numbers are formatted for the locale. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const formatted: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) formatted[k] = typeof v === 'number' ? fmtNumber(v) : v;
  return fillTemplate(catalogues[i18n.locale][key], formatted);
}

/** A reason (plan, hardware, dataset) in the current language. */
export function reasonText(r: Reason): string {
  return formatReasonDeep(r, i18n.locale);
}

/** A number for the current locale, with at most `digits` fraction digits. */
export function fmtNumber(n: number, digits = 2): string {
  return new Intl.NumberFormat(intlLocale[i18n.locale], { maximumFractionDigits: digits }).format(n);
}

/** A fraction (0..1) as a number with three decimals, the way mAP is usually quoted. */
export function fmtMetric(n: number): string {
  return new Intl.NumberFormat(intlLocale[i18n.locale], { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(n);
}

/** A learning rate: scientific for small values. */
export function fmtLr(n: number): string {
  return new Intl.NumberFormat(intlLocale[i18n.locale], { notation: n !== 0 && Math.abs(n) < 1e-3 ? 'scientific' : 'standard', maximumSignificantDigits: 3 }).format(n);
}

/** Bytes in binary units (GiB, MiB), formatted for the locale. */
export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${fmtNumber(v, v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** A date and time for the current locale. */
export function fmtDate(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '–';
  // A throwaway value for formatting, not state: no reactivity wanted.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return new Intl.DateTimeFormat(intlLocale[i18n.locale], { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A duration in seconds as h:mm:ss or m:ss. */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (x: number) => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

/** Keys that come in a singular and a plural form (`<base>.one`, `<base>.other`). */
type PluralBase = MessageKey extends infer K ? (K extends `${infer B}.one` ? B : never) : never;

/**
 * A counted phrase with the right plural form for the locale ("1 error", "5 errors"); `count`
 * fills `{count}`. Chinese has one form, so both keys carry the same text there.
 */
export function tn(base: PluralBase, count: number, params: Record<string, string | number> = {}): string {
  const form = new Intl.PluralRules(intlLocale[i18n.locale]).select(count) === 'one' ? 'one' : 'other';
  return t(`${base}.${form}` as MessageKey, { ...params, count });
}

/** A clock time (hours and minutes) for the current locale. */
export function fmtClock(ms: number): string {
  return new Intl.DateTimeFormat(intlLocale[i18n.locale], { hour: '2-digit', minute: '2-digit' }).format(ms);
}

/** A duration the way people say it: "about 1 h 50 min" without the "about". */
export function fmtRough(d: { hours: number; minutes: number }): string {
  if (d.hours === 0) return t('dur.m', { m: d.minutes });
  if (d.minutes === 0) return t('dur.h', { h: d.hours });
  return t('dur.hm', { h: d.hours, m: d.minutes });
}
