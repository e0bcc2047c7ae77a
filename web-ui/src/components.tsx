// Small shared pieces: a card, a labelled field, the error and progress boxes, a busy button.
import type { ComponentChildren, JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import { ApiError } from './api/http.js';
import { t } from './i18n/index.js';

export function Card(p: { title: string; children: ComponentChildren; id?: string }) {
  const id = useId();
  return (
    <section class="card" aria-labelledby={id} id={p.id}>
      <h2 id={id}>{p.title}</h2>
      {p.children}
    </section>
  );
}

/** A label, its control and a hint, tied together for screen readers. */
export function Field(p: { label: string; hint?: string; error?: string; children: (id: string, describedBy?: string) => JSX.Element }) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const describedBy = [p.hint ? hintId : '', p.error ? errId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      {p.children(id, describedBy)}
      {p.hint && (
        <p class="hint" id={hintId}>
          {p.hint}
        </p>
      )}
      {p.error && (
        <p class="field-error" id={errId} role="alert">
          {p.error}
        </p>
      )}
    </div>
  );
}

/** What went wrong, in words that say what to fix (the device's own text when it sent one). */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 403 && !err.message) return 'Your account may not do this.';
    return err.field && !err.message.includes(err.field) ? `${err.field}: ${err.message}` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function ErrorBox(p: { error: unknown }) {
  if (p.error === undefined || p.error === null) return null;
  return (
    <p class="error" role="alert">
      {errorText(p.error)}
    </p>
  );
}

export function Notice(p: { text?: string }) {
  if (!p.text) return null;
  return (
    <p class="notice" role="status">
      {p.text}
    </p>
  );
}

/** A long operation: a labelled progress bar, determinate when `value` (0–1) is known. */
export function Progress(p: { label: string; value?: number }) {
  return (
    <div class="progress" role="status">
      <span>{p.label}</span>
      {p.value === undefined ? <progress aria-label={p.label} /> : <progress aria-label={p.label} max={100} value={Math.round(p.value * 100)} />}
    </div>
  );
}

/** Runs an action with busy state and error: `run(fn)` disables the button meanwhile. */
export function useAction(): { busy: boolean; error: unknown; run: (fn: () => Promise<unknown>) => Promise<void>; setError: (e: unknown) => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function Loading() {
  return <p aria-busy="true">{t('common.loading')}</p>;
}

/** A table that may scroll sideways on a phone: a labelled region reachable by keyboard. */
export function Scroll(p: { label: string; children: ComponentChildren }) {
  return (
    <div class="table" tabIndex={0} role="region" aria-label={p.label}>
      {p.children}
    </div>
  );
}
