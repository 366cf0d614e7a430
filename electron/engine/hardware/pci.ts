/**
 * Normalises a PCI address to `dddd:bb:dd.f` in lower case, or null when it is not one.
 * nvidia-smi prints `00000000:01:00.0` (8-digit domain), lspci and systeminformation
 * `01:00.0` (no domain) or `0000:01:00.0`; matching needs one form.
 */
export function normalisePciBusId(id: string | null | undefined): string | null {
  if (!id) return null;
  const m = /^(?:([0-9a-f]{1,8}):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(id.trim());
  if (!m) return null;
  const [, domain = '0', bus = '', dev = '', fn = ''] = m;
  // nvidia-smi's 8-digit domain holds a 16-bit PCI domain: keep its low 4 digits.
  const dom = domain.padStart(8, '0').slice(-4);
  return `${dom}:${bus.padStart(2, '0')}:${dev.padStart(2, '0')}.${fn}`.toLowerCase();
}
