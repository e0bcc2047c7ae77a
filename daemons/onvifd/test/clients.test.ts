import t from 'tap';
import { execFile } from 'node:child_process';
import { Cam } from 'onvif';
import nodeOnvif from 'node-onvif';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as httpd } from '@belfry/httpd';
import { daemon as eventd } from '@belfry/eventd';
import { daemon as onvifd } from '../src/main.js';
import { envelope, NS, op, post } from './helpers.js';

/** The real ONVIF clients, unchanged, against a device: what a VMS's first minute looks like. */
t.test('onvif 0.8.3 and node-onvif 0.1.7', async (t) => {
  const dev = await startDevice({ daemons: [paramd, boardd, httpd, eventd, onvifd] });
  t.teardown(() => dev.stop());
  const port = dev.httpPort;
  const base = `http://127.0.0.1:${port}`;
  await fetch(`${base}/axis-cgi/pwdgrp.cgi?action=add&user=root&pwd=pass1&grp=users&sgrp=viewer:operator:admin:ptz`);
  for (let i = 0; i < 100 && (await post(`${base}/onvif/device_service`, envelope(op('GetSystemDateAndTime', NS.tds)))).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  const curl = (url: string) => new Promise<string>((resolve, reject) => execFile('curl', ['-s', '--digest', '-u', 'root:pass1', '--max-time', '20', url], (err, out) => (err ? reject(err) : resolve(out))));

  const connect = (password: string) =>
    new Promise<{ err: Error | null; cam: Cam }>((resolve) => {
      const cam: Cam = new Cam({ hostname: '127.0.0.1', port, username: 'root', password, timeout: 20000 }, (err: Error | null) => resolve({ err, cam }));
    });

  await t.test('onvif: connect, device information, capabilities, profiles, audio outputs', async (t) => {
    const { err, cam } = await connect('pass1');
    t.error(err, 'connects');
    const info = await new Promise<{ manufacturer?: string; serialNumber?: string } | undefined>((resolve, reject) => cam.getDeviceInformation((e, i) => (e ? reject(e) : resolve(i))));
    t.equal(info?.manufacturer, 'Belfry');
    t.match(String(info?.serialNumber), /^02BE1F/);
    t.ok((cam as unknown as { uri: Record<string, unknown> }).uri.media, 'the media service is known');
    t.ok((cam as unknown as { uri: Record<string, unknown> }).uri.events, 'the events service is known');
    const profiles = (cam as unknown as { profiles: { $: { token: string }; name: string }[] }).profiles;
    t.equal(profiles.length, 1, 'one profile');
    t.equal(profiles[0]!.$.token, 'profile_audio_1');
    const outputs = await new Promise<unknown>((resolve, reject) => (cam as unknown as { getAudioOutputs(cb: (e: Error | null, o: unknown) => void): void }).getAudioOutputs((e, o) => (e ? reject(e) : resolve(o))));
    t.match(JSON.stringify(outputs), /AudioOutput_0/);
  });

  await t.test('onvif: pull-point events, Initialized then a change', async (t) => {
    const { err, cam } = await connect('pass1');
    t.error(err);
    const seen: { topic: string; op: string; port: string }[] = [];
    const listener = (m: { topic: { _: string }; message: { message: { $: { PropertyOperation: string }; source: { simpleItem: { $: { Value: unknown } } } } } }) => {
      const item = m.message.message.source?.simpleItem;
      seen.push({ topic: m.topic._, op: m.message.message.$.PropertyOperation, port: String(Array.isArray(item) ? '' : item?.$.Value) });
    };
    cam.on('event', listener);
    for (let i = 0; i < 100 && !seen.some((s) => s.op === 'Initialized'); i++) await new Promise((r) => setTimeout(r, 100));
    t.ok(seen.some((s) => s.op === 'Initialized' && s.topic.endsWith('VirtualInput')), 'Initialized states first');
    await curl(`${base}/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=3`);
    for (let i = 0; i < 100 && !seen.some((s) => s.op === 'Changed'); i++) await new Promise((r) => setTimeout(r, 100));
    t.ok(seen.some((s) => s.op === 'Changed' && s.port === '3'), 'the change arrives');
    cam.removeListener('event', listener);
  });

  await t.test('onvif: a wrong password is refused', async (t) => {
    // OV's connect uses only PRE_AUTH operations (and drops the profiles it may not read): the
    // first protected call is refused
    const { cam } = await connect('wrong');
    const err = await new Promise<Error | null>((resolve) => cam.getDeviceInformation((e: Error | null) => resolve(e)));
    t.ok(err, 'GetDeviceInformation is refused');
    t.match(String(err?.message), /NotAuthorized|not authorized|401/i);
    t.same((cam as unknown as { profiles?: unknown[] }).profiles ?? [], [], 'no profiles read');
  });

  await t.test('node-onvif: init, information, profiles, events', async (t) => {
    const d = new nodeOnvif.OnvifDevice({ xaddr: `${base}/onvif/device_service`, user: 'root', pass: 'pass1' });
    await d.init();
    t.equal(d.getInformation().Manufacturer, 'Belfry');
    t.equal(d.getProfileList()[0]?.token, 'profile_audio_1');
    const sources = await d.services.media.getAudioSources();
    t.match(JSON.stringify(sources.data), /AudioSource_0/);
    const props = await d.services.events!.getEventProperties();
    t.match(JSON.stringify(props.data), /VirtualInput/);
  });

  await t.test('node-onvif: a wrong password is refused', async (t) => {
    const d = new nodeOnvif.OnvifDevice({ xaddr: `${base}/onvif/device_service`, user: 'root', pass: 'wrong' });
    await t.rejects(d.init());
  });
});
