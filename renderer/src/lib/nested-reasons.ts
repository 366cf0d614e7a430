/**
 * Translating reasons nested inside other reasons. Some engine reasons carry another
 * reason's English sentence as a figure (PLAN_BACKEND_PASSED_OVER's `why`, a device's
 * `why`); shown as is, a Chinese screen would print that English sentence. This finds the
 * message template the sentence was filled from, recovers its figures, and says it again
 * in the UI's language. Pure (unit-tested in test/renderer/nested-reasons.test.ts).
 */
import { fillTemplate, formatReason, type Reason, type ReasonParam } from '../../../electron/shared/reason';
import { messages, type Locale } from '../../../electron/shared/messages/index';

interface Compiled {
  code: string;
  names: string[];
  re: RegExp;
}

let compiled: Compiled[] | null = null;

/** Every English template as an anchored pattern; templates with more fixed text first (more specific). */
function patterns(): Compiled[] {
  if (compiled) return compiled;
  const out: (Compiled & { fixed: number })[] = [];
  for (const [code, tpl] of Object.entries(messages.en)) {
    const names: string[] = [];
    const parts = tpl.split(/\{(\w+)\}/g);
    let src = '';
    let fixed = 0;
    parts.forEach((p, i) => {
      if (i % 2 === 1) {
        names.push(p);
        src += '(.+?)';
      } else {
        src += p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        fixed += p.length;
      }
    });
    if (fixed < 12) continue; // too little fixed text to recognise safely
    out.push({ code, names, re: new RegExp(`^${src}$`, 's'), fixed });
  }
  compiled = out.sort((a, b) => b.fixed - a.fixed);
  return compiled;
}

/** The reason an English sentence was made from, or null when it matches no template. */
export function parseEnglishReason(sentence: string): Reason | null {
  for (const p of patterns()) {
    const m = p.re.exec(sentence);
    if (!m) continue;
    const params: Record<string, ReasonParam> = {};
    p.names.forEach((n, i) => (params[n] = m[i + 1] ?? ''));
    return { code: p.code, params, message: sentence };
  }
  return null;
}

/**
 * A reason in `locale`, with string figures that are themselves English sentences of
 * another reason said in `locale` too (one level deep is enough for the engine's reasons).
 */
export function formatReasonDeep(r: Reason, locale: Locale): string {
  if (locale === 'en') return formatReason(r, locale);
  const params: Record<string, ReasonParam> = {};
  for (const [k, v] of Object.entries(r.params)) {
    if (typeof v === 'string' && v.length > 20 && /\s/.test(v)) {
      const nested = parseEnglishReason(v);
      params[k] = nested ? formatReason(nested, locale) : v;
    } else params[k] = v;
  }
  const tpl = messages[locale][r.code];
  return tpl === undefined ? r.message : fillTemplate(tpl, params);
}
