// One rule in the firewall editor: its type, at most one match per layer (link, address, port),
// then the filter policy or the limit; the device's refusal shown at the field it concerns.
import { Field } from '../../components.js';
import { t, type Key } from '../../i18n/index.js';
import type { Draft, L2, L3, L4 } from './fw-draft.js';
import { PERIODS, UNITS } from './firewall-api.js';

type Set = (patch: Partial<Draft>) => void;

function Pick<V extends string>(p: { label: string; value: V; values: readonly V[]; names?: (v: V) => string; set: (v: V) => void }) {
  return (
    <Field label={p.label}>
      {(id) => <select id={id} value={p.value} onChange={(e) => p.set(e.currentTarget.value as V)}>{p.values.map((v) => <option key={v} value={v}>{p.names ? p.names(v) : v}</option>)}</select>}
    </Field>
  );
}

function Text(p: { label: string; value: string; set: (v: string) => void; error?: string; hint?: string; type?: 'number' }) {
  return (
    <Field label={p.label} hint={p.hint} error={p.error}>
      {(id, d) => <input id={id} aria-describedby={d} aria-invalid={p.error ? true : undefined} type={(p.type ?? 'text') as 'text'} value={p.value} onInput={(e) => p.set(e.currentTarget.value)} />}
    </Field>
  );
}

const name = (k: string) => t(`fw.${k}` as Key);

function Matches(p: { d: Draft; set: Set; err: (f: string) => string | undefined }) {
  const { d, set, err } = p;
  return (
    <div class="cols">
      <div>
        <Pick<L2> label={t('fw.l2')} value={d.l2} values={['none', 'mac', 'pktType']} names={name} set={(l2) => set({ l2 })} />
        {d.l2 === 'mac' && <Text label={t('fw.macAddress')} hint={t('fw.macHint')} value={d.mac} set={(mac) => set({ mac })} error={err('mac')} />}
        {d.l2 === 'pktType' && <Pick label={t('fw.pktTypeValue')} value={d.pktType} values={['UNICAST', 'BROADCAST', 'MULTICAST'] as const} set={(pktType) => set({ pktType })} />}
      </div>
      <div>
        <Pick<L3> label={t('fw.l3')} value={d.l3} values={['none', 'ip', 'ipRange']} names={name} set={(l3) => set({ l3 })} />
        {d.l3 === 'ip' && <Text label={t('fw.ipAddress')} hint={t('fw.ipHint')} value={d.ip} set={(ip) => set({ ip })} error={err('ip')} />}
        {d.l3 === 'ipRange' && (
          <>
            <Text label={t('fw.ipStart')} value={d.ipStart} set={(ipStart) => set({ ipStart })} error={err('ipRange')} />
            <Text label={t('fw.ipEnd')} value={d.ipEnd} set={(ipEnd) => set({ ipEnd })} />
          </>
        )}
      </div>
      <div>
        <Pick<L4> label={t('fw.l4')} value={d.l4} values={['none', 'tcpPort', 'udpPort', 'port', 'portRange']} names={name} set={(l4) => set({ l4 })} />
        {(d.l4 === 'port' || d.l4 === 'portRange') && <Pick label={t('fw.protocol')} value={d.portType} values={['TCP', 'UDP', 'BOTH'] as const} set={(portType) => set({ portType })} />}
        {d.l4 !== 'none' && <Text type="number" label={d.l4 === 'portRange' ? t('fw.portStart') : t('fw.portNumber')} value={d.port} set={(port) => set({ port })} error={err('port')} />}
        {d.l4 === 'portRange' && <Text type="number" label={t('fw.portEnd')} value={d.portEnd} set={(portEnd) => set({ portEnd })} />}
      </div>
    </div>
  );
}

export function RuleEditor(p: { index: number; count: number; d: Draft; set: Set; move: (by: -1 | 1) => void; remove: () => void; errors: Record<string, string> }) {
  const { d, set } = p;
  const err = (f: string) => p.errors[`${p.index}.${f}`];
  const n = p.index + 1;
  return (
    <fieldset class="rule">
      <legend>{t('fw.ruleN', { n })}</legend>
      <div class="cols">
        <Pick label={t('fw.ruleType')} value={d.ruleType} values={['FILTER', 'LIMIT'] as const} names={(v) => t(v === 'FILTER' ? 'fw.filter' : 'fw.limit')} set={(ruleType) => set({ ruleType })} />
        {d.ruleType === 'FILTER' && <Pick label={t('fw.action')} value={d.policy} values={['ACCEPT', 'DROP'] as const} names={(v) => t(v === 'ACCEPT' ? 'fw.accept' : 'fw.drop')} set={(policy) => set({ policy })} />}
      </div>
      <Matches d={d} set={set} err={err} />
      {d.ruleType === 'LIMIT' && (
        <div class="cols">
          <Text type="number" label={t('fw.amount')} value={d.amount} set={(amount) => set({ amount })} error={err('amount')} hint={t('fw.rangeHint')} />
          <Pick label={t('fw.period')} value={d.period} values={PERIODS} set={(period) => set({ period })} />
          <Pick label={t('fw.unit')} value={d.unit} values={UNITS} set={(unit) => set({ unit })} />
          <Text type="number" label={t('fw.burst')} value={d.burst} set={(burst) => set({ burst })} error={err('burst')} hint={t('fw.rangeHint')} />
        </div>
      )}
      <button type="button" aria-label={t('fw.upN', { n })} disabled={p.index === 0} onClick={() => p.move(-1)}>{t('fw.up')}</button>
      <button type="button" aria-label={t('fw.downN', { n })} disabled={p.index === p.count - 1} onClick={() => p.move(1)}>{t('fw.down')}</button>
      <button type="button" class="danger" aria-label={t('fw.removeN', { n })} onClick={p.remove}>{t('fw.remove')}</button>
    </fieldset>
  );
}
