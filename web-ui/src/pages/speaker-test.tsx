// The speaker test: calibrate, run, and the result per band against the tolerance.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { vapix } from '../api/vapix.js';
import type { Band, ReportDetails, SpeakerTestAction, SpeakerTestReport } from '../api/types.js';
import { t, type Key } from '../i18n/index.js';
import { Card, Scroll, ErrorBox, Loading, Progress, useAction, wait } from '../components.js';

/** Deviation per band as bars around 0 dB, the tolerance band shaded: an SVG drawn from attributes only (the CSP allows no inline style). */
function Chart(p: { bands: Band[]; tolerance: number }) {
  const W = 560;
  const H = 200;
  const pad = 36;
  const span = Math.max(p.tolerance * 2, ...p.bands.map((b) => Math.abs(b.deviationDb) + 1));
  const y = (db: number) => H / 2 - (db / span) * (H / 2 - 16);
  const bw = (W - pad) / p.bands.length;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H + 20}`} role="img" aria-labelledby="st-chart-title">
        <title id="st-chart-title">{t('st.chart')}</title>
        <rect class="tolerance" x={pad} width={W - pad} y={y(p.tolerance)} height={y(-p.tolerance) - y(p.tolerance)} />
        <line class="axis" x1={pad} x2={W} y1={y(0)} y2={y(0)} />
        {[p.tolerance, 0, -p.tolerance].map((v) => (
          <text key={v} class="label" x={pad - 4} y={y(v) + 4} text-anchor="end">{v > 0 ? `+${v}` : v}</text>
        ))}
        {p.bands.map((b, i) => {
          const bad = Math.abs(b.deviationDb) > p.tolerance;
          const top = Math.min(y(b.deviationDb), y(0));
          return (
            <g key={b.hz}>
              <rect class={bad ? 'bar bad' : 'bar'} x={pad + i * bw + bw * 0.2} width={bw * 0.6} y={top} height={Math.max(2, Math.abs(y(b.deviationDb) - y(0)))} />
              <text class="label" x={pad + i * bw + bw / 2} y={H + 14} text-anchor="middle">{b.hz >= 1000 ? `${b.hz / 1000}k` : b.hz}</text>
            </g>
          );
        })}
      </svg>
      <figcaption>{t('st.tolerance', { db: p.tolerance })}</figcaption>
    </figure>
  );
}

function BandTable(p: { bands: Band[]; tolerance: number }) {
  return (
    <Scroll label={t('st.chart')}>
      <table>
        <caption>{t('st.chart')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('st.band')}</th>
            <th scope="col">{t('st.reference')}</th>
            <th scope="col">{t('st.measured')}</th>
            <th scope="col">{t('st.deviation')}</th>
          </tr>
        </thead>
        <tbody>
          {p.bands.map((b) => (
            <tr key={b.hz} class={Math.abs(b.deviationDb) > p.tolerance ? 'bad' : ''}>
              <th scope="row">{b.hz}</th>
              <td>{b.referenceDb.toFixed(1)}</td>
              <td>{b.measuredDb.toFixed(1)}</td>
              <td>{b.deviationDb.toFixed(1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

export function SpeakerTest() {
  const [report, setReport] = useState<SpeakerTestReport>();
  const [tolerance, setTolerance] = useState(4);
  const a = useAction();
  useEffect(() => {
    void api.speakerTest().then(setReport, a.setError);
    void vapix.params('SpeakerTest.BandTolerance').then((p) => setTolerance(Number(p['SpeakerTest.BandTolerance'] ?? 4) || 4), () => undefined);
  }, []);
  const start = (action: SpeakerTestAction) =>
    void a.run(async () => {
      let r = await api.speakerTestAction(action);
      setReport(r);
      for (let i = 0; i < 120 && r.status === 'Pending'; i++) {
        await wait(1000);
        r = await api.speakerTest();
      }
      setReport(r);
    });
  const details = report?.details as ReportDetails | undefined;
  const pending = a.busy || report?.status === 'Pending';
  return (
    <Card title={t('st.title')} id="speaker-test">
      <p>{t('st.intro')}</p>
      {!report && !a.error && <Loading />}
      {report && (
        <dl>
          <dt>{t('st.state')}</dt>
          <dd data-testid="st-state">{t(`st.${report.status}` as Key)}</dd>
          <dt>{t('st.calibrated')}</dt>
          <dd>{report.calibrationTimestamp || t('st.never')}</dd>
          <dt>{t('st.tested')}</dt>
          <dd>{report.testTimestamp || t('st.never')}</dd>
        </dl>
      )}
      <button type="button" onClick={() => start('calibrate')} disabled={pending}>{t('st.calibrate')}</button>
      <button type="button" class="primary" onClick={() => start('run')} disabled={pending}>{t('st.run')}</button>
      {pending && <Progress label={t('st.running')} />}
      <ErrorBox error={a.error} />
      {details?.reasons && details.reasons.length > 0 && (
        <>
          <h3>{t('st.reasons')}</h3>
          <ul>{details.reasons.map((r) => <li key={r}>{r}</li>)}</ul>
        </>
      )}
      {details?.calibrationError && <p class="error">{details.calibrationError}</p>}
      {details?.bands && details.bands.length > 0 && (
        <>
          <Chart bands={details.bands} tolerance={tolerance} />
          <BandTable bands={details.bands} tolerance={tolerance} />
        </>
      )}
    </Card>
  );
}
