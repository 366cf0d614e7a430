/**
 * A failure a user can meet: a stable code and a sentence that says what to do.
 * Thrown by the engine, carried over IPC as `{ code, message }`, printed by the CLI.
 * Codes are part of the contract: never rename one, add a new one instead.
 */
export class KestrelError extends Error {
  readonly code: string;
  /** Extra, machine-readable context (file, line, figures) for the UI or --json output. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'KestrelError';
    this.code = code;
    this.details = details;
  }
}

/** The plain form of an error, safe to send over IPC or print as JSON. */
export interface ErrorInfo {
  code: string;
  message: string;
  details?: Record<string, unknown> | undefined;
}

/** Turns anything thrown into an ErrorInfo, keeping the code of a KestrelError. */
export function toErrorInfo(err: unknown, fallbackCode = 'INTERNAL'): ErrorInfo {
  if (err instanceof KestrelError) return { code: err.code, message: err.message, details: err.details };
  if (err instanceof Error) {
    return {
      code: fallbackCode,
      message: `${err.message} (an unexpected internal error; please report it with the run folder)`,
    };
  }
  return { code: fallbackCode, message: String(err) };
}
