// Dawn's two limit notices, and a stderr filter that drops exactly them.
//
// Dawn writes, from native code straight to file descriptor 2, two lines whenever a WebGPU
// instance first enumerates a Vulkan adapter whose driver reports more dynamic buffers than Dawn
// supports (lavapipe and NVIDIA's driver both report 1000000):
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
//   Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
// (dawn/native/Limits.cpp, NormalizeLimits). They are notices about a clamp of the adapter's
// advertised limits, not errors, and no adapter or device option avoids them: the clamp happens
// when the adapter is discovered, before anything is requested. A process cannot redirect its own
// descriptor 2 from JavaScript, so they are filtered where Kestrel reads a child's stderr.

/** One of Dawn's two limit-clamp notices, as a whole line (no line break). */
export const DAWN_LIMIT_NOTICE = /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;

/** True for exactly one of Dawn's limit notices (a trailing \r is allowed); anything else is kept. */
export function isDawnLimitNotice(line: string): boolean {
  return DAWN_LIMIT_NOTICE.test(line.endsWith('\r') ? line.slice(0, -1) : line);
}

/** `text` without Dawn's limit notice lines; every other line, and a last line without a newline, kept as is. */
export function withoutDawnNotices(text: string): string {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const kept = lines.filter((l) => !isDawnLimitNotice(l)).map((l) => `${l}\n`);
  return kept.join('') + (isDawnLimitNotice(last) ? '' : last);
}

/** A line filter over a stream's chunks: push() what arrives, end() at the end. */
export interface StderrFilter {
  push(chunk: string | Uint8Array): void;
  end(): void;
}

/**
 * Forwards a child's stderr to `write` without Dawn's limit notices. Works on whole lines (a line
 * split over chunks is held until its newline, or until end()), so nothing else is lost, reordered
 * or altered; a partial line that is not the start of a notice is passed on at once.
 */
export function createDawnNoticeFilter(write: (text: string) => void): StderrFilter {
  const PREFIX = 'Warning: maxDynamic';
  const decoder = new TextDecoder();
  /** The start of the current line, held while it may still become a notice. */
  let held = '';
  /** The current line was already passed on in part (so it is not a notice): pass the rest too. */
  let passing = false;
  return {
    push(chunk) {
      let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      let out = '';
      if (passing) {
        const nl = text.indexOf('\n');
        if (nl < 0) {
          if (text) write(text);
          return;
        }
        out += text.slice(0, nl + 1);
        text = text.slice(nl + 1);
        passing = false;
      }
      text = held + text;
      const cut = text.lastIndexOf('\n');
      if (cut >= 0) out += withoutDawnNotices(text.slice(0, cut + 1));
      const rest = text.slice(cut + 1);
      if (PREFIX.startsWith(rest) || rest.startsWith(PREFIX)) {
        held = rest;
      } else {
        // Not a notice, whatever follows: pass it on now rather than hold a prompt back.
        held = '';
        out += rest;
        passing = true;
      }
      if (out) write(out);
    },
    end() {
      const tail = held + decoder.decode();
      held = '';
      passing = false;
      if (tail && !isDawnLimitNotice(tail)) write(tail);
    },
  };
}
