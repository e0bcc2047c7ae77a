// The Device Configuration REST framework (/config/rest/<api>/v<N>) as the Security pages use it:
// `{"data":…}` in, `{"status":"success","data":…}` out; errors come as ApiError with the device's
// `error.message` and its numeric `error.code` (http.ts reads both).
import { ApiError, request } from '../../api/http.js';

interface Answer<D> {
  status: 'success' | 'error';
  data?: D;
}

export async function rest<D = undefined>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, data?: unknown): Promise<D> {
  const r = await request<Answer<D>>(method, path, method === 'GET' || method === 'DELETE' ? {} : { json: { data: data ?? {} } });
  return r.data as D;
}

/** The config-rest error code of a refusal (0 when it is not one). */
export function restCode(e: unknown): number {
  return e instanceof ApiError ? Number(e.code) || 0 : 0;
}

export const seg = (key: string) => encodeURIComponent(key);
