/**
 * Protocol-independent error codes. Each API layer maps them to its own wire shape (VAPIX `# Error:`
 * text, JSON-RPC codes, SOAP faults, HTTP status); nothing below the API layer knows about wires.
 */
export const ERROR_CODES = [
  'invalid_argument', // a value is malformed or out of range
  'not_found', // unknown name, group, method target
  'permission_denied', // caller's level is too low
  'already_exists',
  'failed_precondition', // e.g. removing the last admin, a constant param
  'limit_exceeded', // a documented count or quota limit was hit (HTTP 409)
  'too_large', // a body or file is over its size limit (HTTP 413)
  'vetoed', // the owning daemon refused a change it cannot apply
  'unknown_method',
  'bad_request', // malformed message (not JSON, wrong shape)
  'timeout',
  'unavailable', // the service is not running or not reachable
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorShape {
  code: ErrorCode;
  message: string;
  /** the offending name (param, field), when there is one */
  name?: string;
  details?: unknown;
}

export class BelfryError extends Error {
  readonly code: ErrorCode;
  readonly target?: string;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, opts: { name?: string; details?: unknown } = {}) {
    super(message);
    this.code = code;
    this.target = opts.name;
    this.details = opts.details;
  }
  toJSON(): ErrorShape {
    const out: ErrorShape = { code: this.code, message: this.message };
    if (this.target !== undefined) out.name = this.target;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }
  static from(shape: unknown): BelfryError {
    if (shape && typeof shape === 'object') {
      const s = shape as Partial<ErrorShape>;
      const code = (ERROR_CODES as readonly string[]).includes(s.code as string) ? (s.code as ErrorCode) : 'internal';
      return new BelfryError(code, typeof s.message === 'string' ? s.message : 'error', { name: s.name, details: s.details });
    }
    return new BelfryError('internal', String(shape));
  }
}

/** Turns anything thrown into the shape that travels on the bus; unexpected errors hide their internals. */
export function toErrorShape(err: unknown): ErrorShape {
  if (err instanceof BelfryError) return err.toJSON();
  return { code: 'internal', message: 'internal error' };
}
