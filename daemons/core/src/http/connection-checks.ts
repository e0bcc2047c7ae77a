import type { Server, Socket } from 'node:net';

type Checked = Server & Record<symbol, NodeJS.Timeout | undefined>;

/** Where Node 20 keeps the server's connection-check timer (undefined before `listen()` or in a Node without it). */
const slotOf = (s: Checked) => Object.getOwnPropertySymbols(s).find((k) => k.description === 'http.server.connectionsCheckingInterval');

/**
 * Node's HTTP server finds requests past `headersTimeout` / `requestTimeout` with a timer of its own
 * (`connectionsCheckingInterval`) that runs from `listen()` to `close()`, connections or not: an
 * idle server wakes its process for nothing (httpd's two listeners at 1 s were 2 wake-ups/s, ~0.04 %
 * of a core on the bench machine; each daemon's socket server one per 30 s). This keeps Node's own
 * check — the same function at the same interval — but runs its timer only while the server has
 * connections, which is when there is anything to check. Call before `listen()` (an `http` or
 * `https` server).
 *
 * Node keeps the timer under a private symbol (`http.server.connectionsCheckingInterval`, Node 20);
 * if a later Node has none, the server keeps Node's behaviour (a test says so).
 */
export function checkOnlyWhileConnected(server: Server): void {
  const s = server as Checked;
  let open = 0;
  let slot: symbol | undefined;
  let check: (() => void) | undefined;
  let everyMs = 0;
  // added after Node's own 'listening' handler (the constructor's), so its timer exists here
  server.once('listening', () => {
    slot = slotOf(s);
    const timer = slot && (s[slot] as (NodeJS.Timeout & { _onTimeout?: () => void; _idleTimeout?: number }) | undefined);
    if (!slot || !timer?._onTimeout || !timer._idleTimeout) return void (slot = undefined);
    check = timer._onTimeout;
    everyMs = timer._idleTimeout;
    clearInterval(timer);
    s[slot] = open > 0 ? setInterval(check, everyMs).unref() : undefined;
  });
  server.on('connection', (socket: Socket) => {
    if (open++ === 0 && slot && check && !s[slot]) s[slot] = setInterval(check, everyMs).unref();
    socket.once('close', () => {
      if (--open > 0 || !slot) return;
      clearInterval(s[slot]);
      s[slot] = undefined;
    });
  });
}

/** Whether the server's connection check is running now (tests). */
export function connectionCheckRunning(server: Server): boolean {
  const s = server as Checked;
  const slot = slotOf(s);
  const t = slot ? s[slot] : undefined;
  return t !== undefined && !(t as { _destroyed?: boolean })._destroyed;
}
