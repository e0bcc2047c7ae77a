import t from 'tap';
import { cipherList } from '../src/tls.js';

/** `HTTPS.Ciphers` as httpd's TLS 1.2 list (§9.4): stored names the stack lacks are ignored, TLS 1.3 suites stay. */
t.test('cipherList', async (t) => {
  const l = cipherList('ECDHE-ECDSA-AES128-GCM-SHA256:NO-SUCH-CIPHER:DHE-RSA-AES256-GCM-SHA384')!;
  const names = l.split(':');
  t.same(names.filter((n) => !n.startsWith('TLS_')), ['ECDHE-ECDSA-AES128-GCM-SHA256', 'DHE-RSA-AES256-GCM-SHA384'], 'the known names, in order; the unknown one left out');
  t.ok(names.includes('TLS_AES_128_GCM_SHA256'), "Node's TLS 1.3 suites kept");
  t.equal(cipherList('NO-SUCH-CIPHER:ALSO-NOT'), undefined, "no known name: Node's default");
  t.equal(cipherList(''), undefined, 'empty: the default');
});
