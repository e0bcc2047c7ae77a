import t from 'tap';
import { cutBytes, MAX_MESSAGE_BYTES } from '../src/recipients/kind.js';
import { checkRecipient, RECIPIENT_TEMPLATES, withAllParams } from '../src/recipients/templates.js';

const tcp = { host: '127.0.0.1', port: '9000' };
const sftp = (extra: Record<string, string>) => withAllParams('com.axis.recipient.sftp', { host: 'h', ...extra });

t.test('the six templates, each with a password where the protocol has one', async (t) => {
  t.same(
    RECIPIENT_TEMPLATES.map((r) => r.id),
    ['http', 'https', 'smtp', 'tcp', 'ftp', 'sftp'].map((k) => `com.axis.recipient.${k}`),
  );
  for (const r of RECIPIENT_TEMPLATES) t.equal(r.params.some((p) => p.secret), r.id !== 'com.axis.recipient.tcp', r.id);
});

t.test('a complete configuration passes; unknown template, missing and extra parameters do not', async (t) => {
  t.equal(checkRecipient('com.axis.recipient.tcp', tcp), undefined);
  t.match(checkRecipient('com.axis.recipient.nope', tcp), /unknown recipient template/);
  t.match(checkRecipient('com.axis.recipient.tcp', { host: 'h' }), /'port' is missing/);
  t.match(checkRecipient('com.axis.recipient.tcp', { ...tcp, extra: '' }), /no parameter 'extra'/);
  t.match(checkRecipient('com.axis.recipient.tcp', { ...tcp, host: '' }), /'host' must not be empty/);
});

t.test('values: ports, booleans, enums, URLs, addresses, fingerprints, lengths at the limit', async (t) => {
  t.match(checkRecipient('com.axis.recipient.tcp', { ...tcp, port: '65536' }), /'port' must be an integer/);
  t.equal(checkRecipient('com.axis.recipient.tcp', { ...tcp, port: '65535' }), undefined);
  t.equal(checkRecipient('com.axis.recipient.tcp', { ...tcp, host: 'a'.repeat(253) }), undefined);
  t.match(checkRecipient('com.axis.recipient.tcp', { ...tcp, host: 'a'.repeat(254) }), /longer than 253/);
  t.match(checkRecipient('com.axis.recipient.tcp', { ...tcp, host: 'a\nb' }), /control character/);
  const http = withAllParams('com.axis.recipient.http', { upload_url: 'https://x/' });
  t.match(checkRecipient('com.axis.recipient.http', http), /must be an http URL/);
  t.match(checkRecipient('com.axis.recipient.http', { ...http, upload_url: 'http://u:p@x/' }), /must not hold credentials/);
  const https = withAllParams('com.axis.recipient.https', { upload_url: 'https://x/', validate_server_cert: 'maybe' });
  t.match(checkRecipient('com.axis.recipient.https', https), /yes or no/);
  const smtp = withAllParams('com.axis.recipient.smtp', { email_to: 'a@x, b@y', email_from: 'me@x', host: 'mail', encryption: 'tls' });
  t.equal(checkRecipient('com.axis.recipient.smtp', smtp), undefined);
  t.match(checkRecipient('com.axis.recipient.smtp', { ...smtp, email_to: 'a@x,,b@y' }), /not one: ''/);
  t.match(checkRecipient('com.axis.recipient.smtp', { ...smtp, encryption: 'starttls' }), /one of none, ssl, tls/);
  t.equal(checkRecipient('com.axis.recipient.sftp', sftp({ ssh_host_public_key_md5: 'ab'.repeat(16) })), undefined);
  t.equal(checkRecipient('com.axis.recipient.sftp', sftp({ ssh_host_public_key_sha256: 'A'.repeat(43) })), undefined);
  t.match(checkRecipient('com.axis.recipient.sftp', sftp({ ssh_host_public_key_md5: 'ab'.repeat(15) })), /32 hexadecimal/);
  t.match(checkRecipient('com.axis.recipient.sftp', sftp({ ssh_host_public_key_sha256: 'A'.repeat(42) })), /43 base64/);
  t.match(checkRecipient('com.axis.recipient.sftp', sftp({})), /needs a host key fingerprint/);
  t.match(checkRecipient('com.axis.recipient.sftp', sftp({ ssh_host_public_key_md5: 'ab'.repeat(16), upload_path: 'a/../b' })), /'\.\.'/);
});

t.test('limits at the limit: 20 addresses, the message size', async (t) => {
  const to = (n: number) => Array.from({ length: n }, (_, i) => `a${i}@x`).join(',');
  const smtp = (n: number) => withAllParams('com.axis.recipient.smtp', { email_to: to(n), email_from: 'me@x', host: 'mail' });
  t.equal(checkRecipient('com.axis.recipient.smtp', smtp(20)), undefined);
  t.match(checkRecipient('com.axis.recipient.smtp', smtp(21)), /more than 20 addresses/);
  const exact = 'a'.repeat(MAX_MESSAGE_BYTES);
  t.equal(cutBytes(exact), exact, 'exactly the limit: kept');
  t.equal(Buffer.byteLength(cutBytes(exact + 'b')), MAX_MESSAGE_BYTES, 'one over: cut');
  t.equal(cutBytes('a'.repeat(MAX_MESSAGE_BYTES - 1) + 'é'), 'a'.repeat(MAX_MESSAGE_BYTES - 1), 'never half a character');
});
