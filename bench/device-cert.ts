// Puts a certificate of the bench's making on a device and selects it for HTTPS, so a bare server
// can serve the very same key (certd never lets a key out): the key and a self-signed certificate
// made with openssl in `workdir`, imported through the REST certificate API, selected with
// `HTTPS.Certificate`, then waited for on a new TLS handshake.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** One HTTP request with Digest (the 401 round trip first). */
export async function digestRequest(port: number, user: string, password: string, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  const send = (headers: Record<string, string>) =>
    new Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }>((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      });
      r.on('error', reject);
      r.end(body);
    });
  const first = await send({});
  const ch = String(first.headers['www-authenticate'] ?? '');
  if (first.status !== 401 || !ch.startsWith('Digest')) return first;
  const realm = /realm="([^"]*)"/.exec(ch)![1]!;
  const nonce = /nonce="([^"]*)"/.exec(ch)![1]!;
  const cnonce = 'a1b2c3d4e5f60718';
  const response = md5(`${md5(`${user}:${realm}:${password}`)}:${nonce}:00000001:${cnonce}:auth:${md5(`${method}:${path}`)}`);
  return send({ Authorization: `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${path}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}", response="${response}"` });
}

export function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(s.getPeerX509Certificate()?.fingerprint256 ?? '');
      s.end();
    });
    s.on('error', reject);
  });
}

/** `type`: `rsa:2048` or `ec` (P-256). Answers the key and certificate PEM the device now serves. */
export async function installDeviceCert(o: { httpPort: number; httpsPort: number; user: string; password: string; workdir: string; alias: string; type: 'rsa:2048' | 'ec' }): Promise<{ key: string; cert: string }> {
  const keyFile = join(o.workdir, `${o.alias}.key`);
  const certFile = join(o.workdir, `${o.alias}.pem`);
  const kind = o.type === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  execFileSync('openssl', ['req', '-x509', ...kind, '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', '/CN=localhost', '-days', '30', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const key = readFileSync(keyFile, 'utf8');
  const cert = readFileSync(certFile, 'utf8');
  const add = await digestRequest(o.httpPort, o.user, o.password, 'POST', '/config/rest/cert/v1/certificates', JSON.stringify({ data: { alias: o.alias, certificate: cert, private_key: key } }));
  if (add.status !== 201) throw new Error(`could not import ${o.alias}: ${add.status} ${add.body.slice(0, 200)}`);
  const sel = await digestRequest(o.httpPort, o.user, o.password, 'GET', `/axis-cgi/param.cgi?action=update&HTTPS.Certificate=${encodeURIComponent(o.alias)}`);
  if (sel.body !== 'OK\n') throw new Error(`could not select ${o.alias}: ${sel.body}`);
  const want = new X509Certificate(cert).fingerprint256;
  for (let i = 0; (await servedFingerprint(o.httpsPort)) !== want; i++) {
    if (i > 100) throw new Error(`the device does not serve ${o.alias}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { key, cert };
}
