// Who is logged in, and the idle logout: after the session's idle time without a click or a key
// the UI logs out itself (the device would refuse the next request anyway).
import { api } from './api/client.js';
import { setCsrf } from './api/http.js';
import type { Role } from './api/types.js';

export interface Me {
  user: string;
  role: Role;
  idleTimeoutS: number;
}

let lastActivity = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

function touch(): void {
  lastActivity = Date.now();
}

/** Starts watching for inactivity; `onIdle` runs once after `idleS` seconds without any. */
export function watchIdle(idleS: number, onIdle: () => void): () => void {
  touch();
  for (const e of ['pointerdown', 'keydown']) addEventListener(e, touch, { passive: true });
  clearInterval(timer);
  timer = setInterval(() => {
    if (Date.now() - lastActivity < idleS * 1000) return;
    stopIdle();
    onIdle();
  }, 5000);
  return stopIdle;
}

function stopIdle(): void {
  clearInterval(timer);
  for (const e of ['pointerdown', 'keydown']) removeEventListener(e, touch);
}

export async function login(user: string, password: string): Promise<Me> {
  const s = await api.login({ user, password });
  setCsrf(s.csrfToken);
  return { user: s.user, role: s.role, idleTimeoutS: s.idleTimeoutS };
}

/** The session of this browser, if its cookie is still good (after a reload). */
export async function resume(): Promise<Me | undefined> {
  try {
    const s = await api.session();
    if (!s.csrfToken) return undefined;
    setCsrf(s.csrfToken);
    return { user: s.user, role: s.role, idleTimeoutS: 1800 };
  } catch {
    return undefined;
  }
}

export async function logout(): Promise<void> {
  stopIdle();
  await api.logout().catch(() => undefined);
  setCsrf(undefined);
}
