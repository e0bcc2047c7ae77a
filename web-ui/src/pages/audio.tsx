// Audio: the device's gain and mute with the live input level, the clips, the speaker test.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { vapix, type AudioChannel, type AudioDevice } from '../api/vapix.js';
import { t } from '../i18n/index.js';
import { Card, ErrorBox, Field, Loading, Notice, useAction } from '../components.js';
import type { Me } from '../session.js';
import { Clips } from './clips.js';
import { SpeakerTest } from './speaker-test.js';

/** The first channel of a device's input or output (this speaker has one of each). */
function channel(io: AudioDevice['inputs'][number] | undefined): AudioChannel | undefined {
  return io?.connectionTypes[0]?.signalingTypes[0]?.channels[0];
}

/** The partial tree setDevicesSettings takes for one channel. */
function change(dev: AudioDevice, kind: 'inputs' | 'outputs', ch: AudioChannel) {
  const io = dev[kind][0]!;
  const ct = io.connectionTypes[0]!;
  const st = ct.signalingTypes[0]!;
  return { id: dev.id, [kind]: [{ id: io.id, connectionTypes: [{ id: ct.id, signalingTypes: [{ id: st.id, channels: [ch] }] }] }] };
}

function LevelMeter() {
  const [level, setLevel] = useState<number>();
  const [mic, setMic] = useState(true);
  useEffect(() => {
    let on = true;
    const tick = async () => {
      // a hidden tab asks nothing (each poll is a request through httpd)
      if (document.hidden) return void setTimeout(() => void tick(), 500);
      const s = await api.audioStatus().catch(() => undefined);
      if (!on) return;
      if (s) {
        setLevel(s.inputLevel);
        setMic(s.microphone);
      }
      setTimeout(() => void tick(), 500);
    };
    void tick();
    return () => void (on = false);
  }, []);
  if (!mic) return <p class="hint">{t('audio.micOff')}</p>;
  return (
    <div class="level">
      <span id="level-label">{t('audio.level')}</span>
      <meter aria-labelledby="level-label" min={0} max={100} high={80} value={level ?? 0} />
      <span aria-hidden="true">{level ?? '—'}</span>
    </div>
  );
}

function ChannelForm(p: { dev: AudioDevice; kind: 'inputs' | 'outputs'; label: string }) {
  const ch = channel(p.dev[p.kind][0]);
  const [gain, setGain] = useState(String(ch?.gain ?? 0));
  const [mute, setMute] = useState(ch?.mute ?? false);
  const [saved, setSaved] = useState(false);
  const a = useAction();
  if (!ch) return null;
  const save = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void a.run(async () => {
      const g = Number(gain);
      if (gain.trim() === '' || !Number.isFinite(g)) throw new Error(t('plain.float', { min: '-∞', max: '∞' }));
      await vapix.setDeviceSettings([change(p.dev, p.kind, { id: ch.id, gain: g, mute })]);
      setSaved(true);
    });
  };
  return (
    <form class="inline" onSubmit={save}>
      <fieldset>
        <legend>{p.label}</legend>
        <Field label={t('audio.gain')}>{(id) => <input id={id} type="number" step="1" value={gain} onInput={(e) => setGain(e.currentTarget.value)} />}</Field>
        <label class="check">
          <input type="checkbox" checked={mute} onChange={(e) => setMute(e.currentTarget.checked)} />
          <span>{t('audio.mute')}</span>
        </label>
        <button type="submit" disabled={a.busy}>{t('common.save')}</button>
        <ErrorBox error={a.error} />
        <Notice text={saved ? t('audio.saved') : undefined} />
      </fieldset>
    </form>
  );
}

function DeviceSettings() {
  const [dev, setDev] = useState<AudioDevice>();
  const [err, setErr] = useState<unknown>();
  useEffect(() => void vapix.deviceSettings().then((s) => setDev(s.devices[0]), setErr), []);
  return (
    <Card title={t('audio.device')}>
      <ErrorBox error={err} />
      {!dev && !err && <Loading />}
      {dev && (
        <div class="cols">
          <ChannelForm dev={dev} kind="outputs" label={t('audio.output')} />
          <div>
            <ChannelForm dev={dev} kind="inputs" label={t('audio.input')} />
            <LevelMeter />
          </div>
        </div>
      )}
    </Card>
  );
}

export function Audio(p: { me: Me }) {
  useEffect(() => {
    if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  }, []);
  return (
    <>
      <h1>{t('audio.title')}</h1>
      {p.me.role === 'admin' && <DeviceSettings />}
      <Clips />
      {p.me.role === 'admin' && <SpeakerTest />}
    </>
  );
}
