import type { z } from 'zod';

/** A short, readable list of zod issues ("path: message; ..."), at most five of them. */
export function formatZodIssues(err: z.ZodError): string {
  const parts = err.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  if (err.issues.length > 5) parts.push(`and ${err.issues.length - 5} more`);
  return parts.join('; ');
}
