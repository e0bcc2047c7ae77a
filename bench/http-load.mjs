// The HTTPS load generator of the httpd benchmark, in its own process:
//   node bench/http-load.mjs '<json options>'
// `connections` keep-alive TLS connections, each with one request in flight. Like K60 (Python
// requests' HTTPDigestAuth), a connection's first request goes without credentials, takes the 401's
// nonce and then reuses it with `nc` counting up: one 401 per connection, no further round trips.
// The client is a small HTTP/1.1 writer/reader on tls.connect (Content-Length bodies only), so it
// costs less CPU per request than node:http's client: on 2 cores it competes with the server.
// Latency = request written → whole answer read. Requests answered in the measuring window (after
// `warmupMs`, for `durationMs`) count. Prints `measuring` and `stopped` around that window (the parent
// samples the servers' CPU time then), then one JSON line.
import { connect } from 'node:tls';
import { createHash, randomBytes } from 'node:crypto';
import { latency, round } from './stats.mjs';

const o = JSON.parse(process.argv[2]);
const { host = '127.0.0.1', port, method, path, contentType, user, password, connections = 20, warmupMs = 1000, durationMs = 5000, expectLength } = o;
const body = o.body === undefined ? undefined : Buffer.from(o.body);
const md5 = (s) => createHash('md5').update(s).digest('hex');
const ha2 = md5(`${method}:${path}`);

let measuring = false;
let stopping = false;
const samples = [];
let answered = 0;
let challenges = 0;
let unexpected = 0;
let wrongLength = 0;
const errors = [];
const statuses = {};

function run() {
  return new Promise((resolve) => {
    const sock = connect({ host, port, rejectUnauthorized: false });
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    let nonce;
    let realm;
    let ha1;
    let nc = 0;
    const cnonce = randomBytes(8).toString('hex');
    let sentAt = 0;
    const send = () => {
      let auth = '';
      if (nonce) {
        const ncs = (++nc).toString(16).padStart(8, '0');
        const response = md5(`${ha1}:${nonce}:${ncs}:${cnonce}:auth:${ha2}`);
        auth = `Authorization: Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${path}", response="${response}", algorithm="MD5", qop="auth", nc=${ncs}, cnonce="${cnonce}"\r\n`;
      }
      const head = `${method} ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: belfry-bench\r\nAccept-Encoding: identity\r\nAccept: */*\r\nConnection: keep-alive\r\n${auth}${body ? `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n` : ''}\r\n`;
      sentAt = performance.now();
      sock.write(body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : head);
    };
    const answer = (status, head, length) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 401) {
        // the one challenge of this connection (or a stale nonce): take its nonce, start counting again
        challenges++;
        const ch = /\r\nwww-authenticate: *([^\r]*)/i.exec(head)?.[1] ?? '';
        nonce = /nonce="([^"]*)"/.exec(ch)?.[1];
        realm = /realm="([^"]*)"/.exec(ch)?.[1];
        if (!nonce || !realm) {
          errors.push('401 without a Digest challenge');
          return sock.destroy();
        }
        ha1 = md5(`${user}:${realm}:${password}`);
        nc = 0;
      } else {
        if (status !== 200) unexpected++;
        else if (expectLength !== undefined && length !== expectLength) wrongLength++;
        if (measuring && !stopping) {
          samples.push(performance.now() - sentAt);
          answered++;
        }
      }
      if (stopping) return sock.end();
      send();
    };
    sock.on('secureConnect', send);
    sock.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (!cl) {
          errors.push(`answer without Content-Length: ${head.slice(0, 200)}`);
          return sock.destroy();
        }
        const total = end + 4 + Number(cl[1]);
        if (buf.length < total) return;
        buf = buf.subarray(total);
        answer(Number(head.slice(9, 12)), head, Number(cl[1]));
      }
    });
    sock.on('error', (err) => errors.push(err.message));
    sock.on('close', resolve);
  });
}

const all = Array.from({ length: connections }, run);
await new Promise((r) => setTimeout(r, warmupMs));
// the parent samples the servers' CPU time between these two lines
process.stdout.write('measuring\n');
measuring = true;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await new Promise((r) => setTimeout(r, durationMs));
stopping = true;
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write('stopped\n');
await Promise.race([Promise.all(all), new Promise((r) => setTimeout(r, 3000))]);
process.stdout.write(
  JSON.stringify({
    connections,
    seconds: round(seconds, 3),
    answered,
    rps: round(answered / seconds, 0),
    /** this process's CPU time in the window, % of one core */
    cpuPct: round(((cpu.user + cpu.system) / 1e6 / seconds) * 100, 0),
    latencyMs: latency(samples, 3),
    // each latency (ms, 0.01 ms steps), when asked: the parent merges several windows
    ...(o.samples ? { samples: samples.map((x) => Math.round(x * 100) / 100) } : {}),
    challenges,
    unexpected,
    wrongLength,
    statuses,
    errors: errors.slice(0, 5),
    errorCount: errors.length,
  }) + '\n',
);
process.exit(0);
