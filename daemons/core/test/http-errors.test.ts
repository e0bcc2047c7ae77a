import t from 'tap';
import { BelfryError, ERROR_CODES } from '../src/errors.js';
import { HTTP_STATUS, errorAnswer, frontDoorAnswer, soapFault } from '../src/http/errors.js';

t.test('every error code has one HTTP status; bodies over a limit are 413, counts and quotas 409', async (t) => {
  for (const c of ERROR_CODES) t.ok(HTTP_STATUS[c] >= 400 && HTTP_STATUS[c] < 600, `${c} → ${HTTP_STATUS[c]}`);
  t.equal(HTTP_STATUS.too_large, 413);
  t.equal(HTTP_STATUS.limit_exceeded, 409);
  t.equal(errorAnswer('json-api', new BelfryError('too_large', 'the file is larger than the upload limit (1.5 MB)')).status, 413);
});

t.test('VAPIX text: a client mistake is 400 with the reason, a missing daemon 503', async (t) => {
  t.same(errorAnswer('vapix-text', new BelfryError('not_found', 'no clip 7')), { status: 400, type: 'text/plain', body: '400 Bad Request\nno clip 7\n' });
  t.same(errorAnswer('vapix-text', new BelfryError('too_large', 'too big')), { status: 400, type: 'text/plain', body: '400 Bad Request\ntoo big\n' });
  t.same(errorAnswer('vapix-text', new BelfryError('timeout', 'slow')), { status: 503, type: 'text/plain', body: '503 Service Unavailable\n' });
  t.equal(errorAnswer('vapix-text', new Error('secret internals')).body, '500 Internal Server Error\ninternal error\n', 'a plain Error hides its message');
});

t.test('JSON API and AJR shapes', async (t) => {
  const j = errorAnswer('json-api', new BelfryError('invalid_argument', 'volume must be an integer', { name: 'volume' }));
  t.equal(j.status, 400);
  t.same(JSON.parse(j.body), { error: { code: 'invalid_argument', message: 'volume must be an integer', name: 'volume' } });
  t.same(JSON.parse(errorAnswer('json-api', new BelfryError('internal', 'stack details')).body), { error: { code: 'internal', message: 'internal error' } });
  const a = errorAnswer('ajr', new BelfryError('invalid_argument', 'gain out of range'), { apiVersion: '1.0', context: 'c', method: 'setDevicesSettings' });
  t.equal(a.status, 200, 'AJR errors are HTTP 200');
  t.same(JSON.parse(a.body), { apiVersion: '1.0', context: 'c', method: 'setDevicesSettings', error: { code: 2104, message: 'gain out of range' } });
});

t.test('front-door answers in each format', async (t) => {
  const m = frontDoorAnswer('vapix-text', 405, { allow: ['GET', 'POST'] });
  t.same(m, { status: 405, type: 'text/plain', body: '405 Method Not Allowed\n', headers: { Allow: 'GET, POST' } });
  t.equal(frontDoorAnswer('vapix-text', 413).body, '413 Request body too large\n');
  t.equal(frontDoorAnswer('ajr', 503).body, '503 Service Unavailable\n');
  t.match(frontDoorAnswer('vapix-text', 401, { path: '/a<b' }).body, /get URL \/a&#60;b from/);
  const j = frontDoorAnswer('json-api', 405, { allow: ['PATCH', 'DELETE'] });
  t.equal(j.headers?.Allow, 'PATCH, DELETE');
  t.same(JSON.parse(j.body), { error: { code: 'method_not_allowed', message: 'use PATCH, DELETE' } });
  t.same(JSON.parse(frontDoorAnswer('json-api', 504).body).error.code, 'timeout');
  t.match(frontDoorAnswer('soap', 503).body, /<SOAP-ENV:Value>SOAP-ENV:Receiver<\/SOAP-ENV:Value>/);
  const f = frontDoorAnswer('soap', 413);
  t.same([f.status, f.type], [413, 'application/soap+xml; charset=utf-8']);
  t.match(f.body, /<SOAP-ENV:Value>SOAP-ENV:Sender<\/SOAP-ENV:Value><\/SOAP-ENV:Code><SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">Request body too large</);
  const sub = soapFault(400, 'no <such> operation', { value: 'ter:ActionNotSupported', ns: { ter: 'http://www.onvif.org/ver10/error' } });
  t.match(sub.body, /xmlns:ter="http:\/\/www.onvif.org\/ver10\/error".*<SOAP-ENV:Subcode><SOAP-ENV:Value>ter:ActionNotSupported<\/SOAP-ENV:Value><\/SOAP-ENV:Subcode>.*no &#60;such&#62; operation/);
});

t.test('Device Configuration REST errors: a real status and {status:"error",error:{code,message}}', async (t) => {
  const nf = errorAnswer('config-rest', new BelfryError('not_found', 'certificates/nope'));
  t.same([nf.status, JSON.parse(nf.body)], [404, { status: 'error', error: { code: 1, message: 'Resource not found: certificates/nope' } }]);
  const v = errorAnswer('config-rest', new BelfryError('invalid_argument', 'key_type RSA-16384 is not supported'));
  t.same([v.status, JSON.parse(v.body).error.code], [400, 5]);
  const own = errorAnswer('config-rest', new BelfryError('invalid_argument', 'Invalid IP address', { details: { restCode: 100 } }));
  t.same(JSON.parse(own.body), { status: 'error', error: { code: 100, message: 'Invalid IP address' } }, 'an owner may give its API-specific code and message');
  t.same(JSON.parse(errorAnswer('config-rest', new Error('secret')).body).error.message, 'Internal error');
  const fd = frontDoorAnswer('config-rest', 404, { path: '/config/rest/cert/v9' });
  t.same([fd.status, JSON.parse(fd.body)], [404, { status: 'error', error: { code: 1, message: 'Resource not found: /config/rest/cert/v9' } }]);
  t.equal(frontDoorAnswer('config-rest', 405, { allow: ['GET'] }).headers?.Allow, 'GET');
});
