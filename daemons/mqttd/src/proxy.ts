import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

/** An error mqtt.js reports (it drops stream errors without a `code`). */
const proxyError = (message: string) => Object.assign(new Error(message), { code: 'EPROXY' });

/** The longest proxy answer header read before the tunnel is given up. */
const MAX_PROXY_HEAD = 8192;

/**
 * A connection to the broker through an HTTP or HTTPS proxy (`CONNECT host:port`), with TLS to the
 * broker inside the tunnel when `tls` is given. It is a stream at once (mqtt.js and ws write their
 * first bytes before the tunnel is up): writes wait until the proxy said 200. Credentials in the
 * proxy URL go as `Proxy-Authorization: Basic`.
 */
export class ProxyTunnel extends Duplex {
  private inner: Duplex | undefined;
  private readonly raw: Socket;
  private queued: { chunk: Buffer; cb: (e?: Error | null) => void }[] = [];

  constructor(proxy: URL, host: string, port: number, tls?: ConnectionOptions) {
    super();
    const secure = proxy.protocol === 'https:';
    const pport = Number(proxy.port) || (secure ? 443 : 80);
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const user = proxy.username ? `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}` : '';
    const auth = user ? `Proxy-Authorization: Basic ${Buffer.from(user).toString('base64')}\r\n` : '';
    this.raw = secure ? tlsConnect({ host: proxy.hostname, port: pport, servername: proxy.hostname, ...(tls?.ca ? { ca: tls.ca } : {}), rejectUnauthorized: tls?.rejectUnauthorized ?? true }) : netConnect(pport, proxy.hostname);
    this.raw.once(secure ? 'secureConnect' : 'connect', () => this.raw.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`));
    let head = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_PROXY_HEAD) this.destroy(proxyError('proxy answer too long'));
        return;
      }
      this.raw.off('data', onData);
      this.raw.pause();
      const line = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      if (!/^HTTP\/1\.[01] 200\b/.test(line)) return void this.destroy(proxyError(`proxy refused the tunnel: ${line.slice(0, 100)}`));
      const rest = head.subarray(end + 4);
      if (!tls) {
        if (rest.length) this.push(rest);
        return this.ready(this.raw);
      }
      const s = tlsConnect({ ...tls, socket: this.raw });
      s.once('secureConnect', () => this.ready(s));
      s.on('error', (e) => this.destroy(e));
    };
    this.raw.on('data', onData);
    this.raw.on('error', (e) => this.destroy(e));
    this.raw.on('close', () => (this.inner ? this.push(null) : this.destroy(proxyError('proxy closed the connection'))));
  }

  private ready(s: Duplex): void {
    this.inner = s;
    s.on('data', (d: Buffer) => {
      if (!this.push(d)) s.pause();
    });
    s.on('end', () => this.push(null));
    s.on('error', (e) => this.destroy(e));
    s.resume();
    for (const q of this.queued.splice(0)) s.write(q.chunk, q.cb);
    this.emit('connect');
    this.emit('secureConnect');
  }

  override _read(): void {
    this.inner?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.inner) this.inner.write(chunk, cb);
    else this.queued.push({ chunk, cb });
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.inner?.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.inner?.destroy();
    this.raw.destroy();
    cb(err);
  }

  // what http.ClientRequest (ws's handshake) may call on a socket
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}
