/**
 * Typed errors shared by every domain of the node.
 *
 * Each domain declares its own codes as a `const` object (one line of comment per code saying what
 * it means) and throws `NoesisError` with one of them. A UI maps the code to plain words through
 * the message catalogue; a test asserts the exact code. `data` carries structured details (a field
 * name, a file path, a word index) and must never hold a secret.
 */
export class NoesisError extends Error {
  readonly code: string;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.name = 'NoesisError';
    this.code = code;
    this.data = data;
  }

  toJSON(): { code: string; message: string; data: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export function isNoesisError(error: unknown, code?: string): error is NoesisError {
  return error instanceof NoesisError && (code === undefined || error.code === code);
}
