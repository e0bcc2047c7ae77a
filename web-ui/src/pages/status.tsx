// Status: what the device is, how long it has run, its time, the speaker test and security at a glance.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { vapix, type DateTimeInfo, type DeviceInfo, type SystemReady } from '../api/vapix.js';
import type { AudioStatus, Clients, SpeakerTestReport, Users } from '../api/types.js';
import { duration, t, type Key } from '../i18n/index.js';
import { Card, ErrorBox, Loading, Notice, Scroll, useAction } from '../components.js';
import { linkClick } from '../router.js';
import type { Me } from '../session.js';
import { events, type Rules } from '../api/events.js';

interface Data {
  info: DeviceInfo;
  ready: SystemReady;
  time?: DateTimeInfo;
  params: Record<string, string>;
  audio?: AudioStatus;
  report?: SpeakerTestReport;
  users?: Users;
  clients?: Clients;
  rules?: Rules;
}

async function load(me: Me): Promise<Data> {
  const admin = me.role === 'admin';
  const [info, ready, time, time2, sec, audio, report, users, clients, rules] = await Promise.all([
    vapix.deviceInfo(),
    vapix.systemReady(),
    vapix.time().catch(() => undefined),
    vapix.params('Time').catch(() => ({})),
    admin ? vapix.params('System').catch(() => ({})) : {},
    api.audioStatus().catch(() => undefined),
    admin ? api.speakerTest().catch(() => undefined) : undefined,
    admin ? api.users().catch(() => undefined) : undefined,
    admin ? api.clients().catch(() => undefined) : undefined,
    admin ? events.rules().catch(() => undefined) : undefined,
  ]);
  const https = admin ? await vapix.params('HTTPS').catch(() => ({})) : {};
  return { info, ready, time, params: { ...time2, ...sec, ...https }, audio, report, users, clients, rules };
}

function Row(p: { k: string; v: string | undefined }) {
  return (
    <>
      <dt>{p.k}</dt>
      <dd>{p.v ?? '—'}</dd>
    </>
  );
}

export function Status(p: { me: Me }) {
  const [d, setD] = useState<Data>();
  const [err, setErr] = useState<unknown>();
  const [locating, setLocating] = useState(false);
  const locate = useAction();
  useEffect(() => void load(p.me).then(setD, setErr), []);
  if (err) return <ErrorBox error={err} />;
  if (!d) return <Loading />;
  const pl = d.info.propertyList;
  const access = d.params['System.BoaGroupPolicy.admin'];
  const anonymous = d.params['System.AnonymousViewing'] === 'yes';
  const admins = d.users?.users.filter((u) => u.role === 'admin').length ?? 0;
  const recs: Key[] = [];
  if (access && access !== 'https') recs.push('status.recHttps');
  if (anonymous) recs.push('status.recAnonymous');
  if (d.users && admins < 2) recs.push('status.recOneAdmin');
  const ntp = d.params['Time.NTP.Server'];
  const doLocate = () =>
    void locate.run(async () => {
      const clips = (await api.clips()).clips;
      const clip = clips.find((c) => c.name === 'Beep') ?? clips[0];
      if (!clip) throw new Error(t('audio.none'));
      await api.play(clip.id, { volume: 100, repeat: 2 });
      setLocating(true);
    });
  return (
    <>
      <h1>{t('status.title')}</h1>
      <div class="grid">
        <Card title={t('status.device')}>
          <dl>
            <Row k={t('status.model')} v={pl.ProdFullName} />
            <Row k={t('status.serial')} v={pl.SerialNumber} />
            <Row k={t('status.firmware')} v={pl.Version} />
            <Row k={t('status.uptime')} v={duration(Number(d.ready.uptime))} />
            <Row k={t('status.playing')} v={d.audio?.playing ? (d.audio.playing.name ?? d.audio.playing.kind) : t('status.nothing')} />
          </dl>
          {p.me.role !== 'viewer' && (
            <>
              <button type="button" onClick={doLocate} disabled={locate.busy} aria-describedby="locate-hint">{t('status.locate')}</button>
              <p class="hint" id="locate-hint">{t('status.locateHint')}</p>
              <Notice text={locating ? t('status.locating') : undefined} />
              <ErrorBox error={locate.error} />
            </>
          )}
        </Card>
        <Card title={t('status.time')}>
          <dl>
            <Row k={t('status.timeNow')} v={d.time?.localDateTime.replace('T', ' ')} />
            <Row k={t('status.timeZone')} v={d.time?.timeZone} />
            <Row k={t('status.timeSync')} v={ntp ? t('status.ntp', { server: ntp }) : t('status.noNtp')} />
          </dl>
        </Card>
        {d.report && (
          <Card title={t('status.speakerTest')}>
            <dl>
              <Row k={t('st.state')} v={t(`st.${d.report.status}` as Key)} />
              <Row k={t('st.calibrated')} v={d.report.calibrationTimestamp || t('st.never')} />
              <Row k={t('st.tested')} v={d.report.testTimestamp || t('st.never')} />
            </dl>
            <a href="/audio#speaker-test" onClick={linkClick}>{t('status.speakerTestLink')}</a>
          </Card>
        )}
        {d.rules && (
          <Card title={t('status.events')}>
            <p>{t('status.rules', { enabled: d.rules.rules.filter((r) => r.enabled).length, total: d.rules.rules.length })}</p>
            <p>{t('status.rulesActive', { names: d.rules.rules.filter((r) => r.enabled && r.active).map((r) => r.name).join(', ') || t('status.nothing') })}</p>
            <a href="/events" onClick={linkClick}>{t('status.eventsLink')}</a>
          </Card>
        )}
        {p.me.role === 'admin' && (
          <Card title={t('status.security')}>
            <dl>
              <Row k={t('status.access')} v={access === 'https' ? t('status.httpsOnly') : access === 'http' ? t('status.httpOnly') : t('status.both')} />
              <Row k={t('status.anonymous')} v={anonymous ? t('status.on') : t('status.off')} />
              <Row k={t('status.accounts')} v={d.users ? String(d.users.users.length) : undefined} />
            </dl>
            <h3>{t('status.recommend')}</h3>
            <ul>{recs.length ? recs.map((r) => <li key={r}>{t(r)}</li>) : <li>{t('status.recNone')}</li>}</ul>
          </Card>
        )}
        {d.clients && (
          <Card title={t('status.clients')}>
            <p>{t('status.connections', { n: d.clients.total, addresses: new Set(d.clients.clients.map((c) => c.address)).size })}</p>
            <details>
              <summary>{t('status.details')}</summary>
              <Scroll label={t('status.clients')}>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('status.address')}</th>
                      <th scope="col">{t('status.protocol')}</th>
                      <th scope="col">{t('status.port')}</th>
                      <th scope="col">{t('status.since')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.clients.clients.map((c) => (
                      <tr key={`${c.address}:${c.port}`}>
                        <td>{c.address.replace(/^::ffff:/, '')}</td>
                        <td>{c.protocol.toUpperCase()}</td>
                        <td>{c.port}</td>
                        <td>{c.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Scroll>
            </details>
          </Card>
        )}
      </div>
    </>
  );
}
