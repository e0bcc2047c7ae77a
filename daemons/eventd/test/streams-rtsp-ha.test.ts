import t from 'tap';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { HaRtspClient } from './streams-rtsp-client.js';
import { ADMIN, IO_PORT, streamsDevice } from './streams-helpers.js';

/** K60 classifies response lines by these substrings: a line holding one must be that header. */
const WORDS = ['CSeq', 'Date', 'Public', 'Session', 'Transport', 'Content-Base'];

t.test('a Home Assistant-like client reaches PLAYING, gets Initialized for every instance, then a change', async (t) => {
  const { dev, pub } = await streamsDevice(t);
  for (const port of [1, 2, 3]) pub.setState(IO_PORT.topic, { port }, { state: port === 3 });
  // (states that reach eventd after PLAY still come first as Initialized: their first publication is)
  const c = await HaRtspClient.open(dev.rtspPort, ADMIN);
  t.teardown(() => c.close());

  // the first OPTIONS: 401, then the same CSeq with Digest
  const first = await c.raw(`OPTIONS ${c.url} RTSP/1.0\r\nCSeq: 0\r\n\r\n`);
  t.equal(first?.status, 401);
  t.equal(first?.headers.cseq, '0');
  t.match(first?.headers['www-authenticate'], /^Digest realm="AXIS_[0-9A-F]{12}", nonce="[^"]+", stale=FALSE$/, 'realm first, nonce second, stale= last, no qop');
  const answers = await c.toPlaying();
  t.same(answers.map((a) => a.status), [200, 200, 200, 200], 'OPTIONS, DESCRIBE, SETUP, PLAY');
  t.same(answers.map((a) => a.headers.cseq), ['0', '1', '2', '3'], 'CSeq echoed (0 repeated after the 401)');
  t.equal(answers[0]!.headers.public, 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER');
  const [, describe, setup, play] = answers as [unknown, (typeof answers)[0], (typeof answers)[0], (typeof answers)[0]];
  t.equal(describe.headers['content-type'], 'application/sdp');
  t.equal(describe.headers['content-base'], `rtsp://127.0.0.1:${dev.rtspPort}/axis-media/media.amp/`);
  t.equal(Number(describe.headers['content-length']), Buffer.byteLength(describe.body));
  t.match(describe.body, /m=application 0 RTP\/AVP 98\r\na=rtpmap:98 vnd\.onvif\.metadata\/90000\r\na=control:rtsp:\/\//);
  t.equal(c.controlUrl, `rtsp://127.0.0.1:${dev.rtspPort}/axis-media/media.amp/stream=0?video=0&audio=0&event=on`, 'the track control is an absolute URL');
  t.match(setup.headers.session, /^[0-9A-F]{8};timeout=\d+$/, 'nothing after the timeout');
  t.ok(c.timeout > 5, 'K60 pings every timeout-5 s');
  t.match(setup.headers.transport, new RegExp(`^RTP/AVP;unicast;client_port=${c.rtpPort}-${c.rtpPort + 1};server_port=\\d+-\\d+;ssrc=[0-9A-F]{8}$`));
  t.equal(play.headers.range, 'npt=now-');
  t.equal(c.chunks, 6, 'every response arrived in one chunk (one write)');
  for (const a of [first!, ...answers]) {
    const lines = a.raw.split('\r\n\r\n')[0]!.split('\r\n');
    t.match(lines[0], /^RTSP\/1\.0 \d{3} [A-Za-z ]+$/);
    for (const l of lines.slice(1)) for (const w of WORDS) if (l.includes(w)) t.ok(l.startsWith(`${w}: `), `"${l}" is the ${w} header`);
  }

  // eventd's own 32 virtual inputs are stateful instances too: every one comes Initialized
  const initialized = (d: string[]) => d.filter((x) => x.includes('PropertyOperation="Initialized"'));
  const docs = await c.until((d) => initialized(d).filter((x) => x.includes('IO/Port<')).length >= 3 && initialized(d).filter((x) => x.includes('IO/VirtualInput<')).length >= 32);
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
  const seen = new Map<string, string>();
  for (const i of docs.keys()) {
    const d = c.datagrams[i]!;
    t.equal(d[0], 0x80, 'V=2, no padding, no extension, no CSRC');
    t.equal(d[1]! & 0x7f, 98, 'payload type 98');
    t.equal(XMLValidator.validate(docs[i]!), true, 'each datagram is one whole XML document');
    const m = parser.parse(docs[i]!)['tt:MetadataStream']['tt:Event']['wsnt:NotificationMessage'];
    t.match(m['wsnt:ProducerReference']['wsa5:Address'], /^uri:\/\/[0-9a-f-]{36}\/ProducerReference$/);
    const msg = m['wsnt:Message']['tt:Message'];
    t.equal(msg.PropertyOperation, 'Initialized');
    if (m['wsnt:Topic']['#text'] === IO_PORT.topic) seen.set(msg['tt:Source']['tt:SimpleItem'].Value, msg['tt:Data']['tt:SimpleItem'].Value);
  }
  t.same(Object.fromEntries(seen), { 1: '0', 2: '0', 3: '1' }, 'every instance Initialized, booleans as 1/0');

  pub.setState(IO_PORT.topic, { port: 2 }, { state: true });
  const after = await c.until((d) => d.some((x) => x.includes('PropertyOperation="Changed"')));
  t.match(after.find((x) => x.includes('Changed')), /<tt:SimpleItem Name="port" Value="2"\/>.*<tt:SimpleItem Name="state" Value="1"\/>/);

  // keep-alives: the same CSeq every time, a Session, no credentials
  for (let i = 0; i < 2; i++) {
    const k = await c.keepAlive();
    t.equal(k.status, 200);
    t.equal(k.headers.cseq, String(c.cseq));
  }
  const g = await c.request('GET_PARAMETER', c.url, [`Session: ${c.session}`], { auth: false });
  t.equal(g.status, 200, 'GET_PARAMETER keep-alive');
  const td = await c.request('TEARDOWN', c.url, [`Session: ${c.session}`]);
  t.equal(td.status, 200);
  const gone = await c.request('PLAY', c.url, [`Session: ${c.session}`]);
  t.equal(gone.status, 454, 'the session is gone');
});

t.test('wrong credentials: 401 again with a fresh challenge; no session is set up', async (t) => {
  const { dev } = await streamsDevice(t);
  const c = await HaRtspClient.open(dev.rtspPort, { user: ADMIN.user, password: 'wrong' });
  t.teardown(() => c.close());
  const a = await c.request('DESCRIBE', c.url);
  t.equal(a.status, 401);
  t.match(a.headers['www-authenticate'], /stale=FALSE$/);
  const none = await HaRtspClient.open(dev.rtspPort);
  t.teardown(() => none.close());
  const s = await none.request('SETUP', `${none.url}`, [`Transport: RTP/AVP;unicast;client_port=${none.rtpPort}-${none.rtpPort + 1}`]);
  t.equal(s.status, 401, 'no credentials, no session');
});
