import { BelfryError } from '@belfry/core';

/** What a notification carries once its event data is substituted. */
export interface Message {
  /** the message text (email body, TCP payload, uploaded file's content, HTTP body when none is given) */
  text: string;
  /** email subject */
  subject?: string;
  /** FTP/SFTP: the name the file gets in the folder */
  fileName?: string;
  /** HTTP(S): GET (default) or POST, query parameters (`a=1&b=2`), header lines (`Name: value`), body */
  http?: { method?: string; query?: string; headers?: string; body?: string };
}

/** A recipient as its sender sees it: template parameters with defaults applied, and the password. */
export interface Target {
  template: string;
  params: Record<string, string>;
  password?: string;
}

/** Timeouts and sizes of one send; every sender honours them (the tests set them low). */
export interface SendLimits {
  /** from start to a connected, greeted session */
  connectMs: number;
  /** the whole send, connect included */
  totalMs: number;
  /** the most of an HTTP answer read (the rest is dropped) */
  responseBytes: number;
}

export const SEND_LIMITS: SendLimits = { connectMs: 10_000, totalMs: 30_000, responseBytes: 64 * 1024 };

/** The longest message text sent, in bytes after substitution (longer is cut). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export interface Sender {
  send(t: Target, msg: Message, signal: AbortSignal, lim?: SendLimits): Promise<void>;
  /** sends a test message (or for FTP/SFTP uploads a test file) */
  test(t: Target, signal: AbortSignal, lim?: SendLimits): Promise<void>;
}

/** The caller's signal, ended also by the total timeout. */
export function totalSignal(signal: AbortSignal, lim: SendLimits): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(lim.totalMs)]);
}

/** A failed send, in the shape every API maps: `timeout` when a limit ran out, `unavailable` otherwise. */
export function sendError(what: string, e: unknown, signal?: AbortSignal): BelfryError {
  if (e instanceof BelfryError) return e;
  const reason = signal?.aborted ? signal.reason : undefined;
  const code = (e as { code?: unknown } | undefined)?.code;
  const timedOut = (reason instanceof Error && reason.name === 'TimeoutError') || code === 'ETIMEDOUT' || /time(d)? ?out|never received/i.test(String((e as Error)?.message ?? e));
  if (timedOut) return new BelfryError('timeout', `${what}: timed out`);
  if (signal?.aborted) return new BelfryError('unavailable', `${what}: cancelled`);
  return new BelfryError('unavailable', `${what}: ${(e as Error)?.message ?? String(e)}`);
}

/** Rejects when `signal` ends (for clients that take no signal); `cleanup` closes what they opened. */
export function raceSignal<T>(p: Promise<T>, signal: AbortSignal, cleanup: () => void): Promise<T> {
  if (signal.aborted) {
    cleanup();
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      cleanup();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e as Error)),
    );
  });
}

/** A temporary name for an upload, renamed to `name` once complete (no half file under the real name). */
export function temporaryName(name: string): string {
  return `.${name}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
}

/** Cuts a text to at most `max` bytes of UTF-8 without splitting a character. */
export function cutBytes(s: string, max = MAX_MESSAGE_BYTES): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return s;
  return b.subarray(0, max).toString('utf8').replace(/\uFFFD$/, '');
}

export const TEST_TEXT = 'This is a test message from your Belfry device.';
