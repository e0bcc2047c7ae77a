import t from 'tap';
import { rawExchange } from '@belfry/core/testing';
import { LIMITS } from '../src/server.js';
import { startDevice } from './device.js';

/** Sends a POST whose body stops halfway; resolves with the answer's status line (or '' at close). */
const stalledPost = (port: number) => rawExchange(port, 'POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\naction=lis');

// httpd's sweep of requests whose body is still arriving runs only while there are such requests
// (an idle server has no timer): it must start again for each one and still give the 408.
t.test('a body that stalls past the request timeout is answered 408, every time', async (t) => {
  const saved = LIMITS.requestTimeoutMs;
  LIMITS.requestTimeoutMs = 1500;
  t.teardown(() => void (LIMITS.requestTimeoutMs = saved));
  const d = await startDevice(t, { audiod: false });
  for (const round of [1, 2]) {
    t.equal(await stalledPost(d.httpPort), 'HTTP/1.1 408 Request Timeout', `round ${round}: 408, connection closed`);
    // nothing arriving meanwhile: the sweep stops, and the next stalled body starts it again
    await new Promise((r) => setTimeout(r, 1200));
  }
});
