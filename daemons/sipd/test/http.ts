import type { TestDevice } from '@belfry/core/testing';

const PASS = 'sipd-admin-1';

/** An administrator's session on the device's front door; `call(cmd, body)` posts to /vapix/call. */
export async function adminSession(dev: TestDevice) {
  const base = `http://127.0.0.1:${dev.httpPort}`;
  const made = await fetch(`${base}/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=${PASS}&grp=users&sgrp=viewer:operator:admin`);
  if (made.status !== 200) throw new Error(`no admin: ${made.status}`);
  const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'root', password: PASS }) });
  const cookie = /^(belfry_session=[^;]*)/.exec(login.headers.get('set-cookie') ?? '')![1]!;
  const headers = { cookie, 'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken };
  return {
    base,
    headers,
    async call(command: string, body: unknown = {}): Promise<{ status: number; json: any; text: string }> {
      const r = await fetch(`${base}/vapix/call`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ [command]: body }) });
      const text = await r.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: r.status, json, text };
    },
    async get(query: string): Promise<{ status: number; text: string }> {
      const r = await fetch(`${base}/vapix/call?${query}`, { headers });
      return { status: r.status, text: await r.text() };
    },
  };
}
