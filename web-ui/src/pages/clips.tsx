// The clips: upload with progress, play, stop, rename, link, download, delete.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { save } from '../api/http.js';
import type { Clip, Clips as ClipList } from '../api/types.js';
import { bytes, t } from '../i18n/index.js';
import { Card, Scroll, ErrorBox, Field, Loading, Notice, Progress, useAction } from '../components.js';

function Upload(p: { list: ClipList; done: () => void }) {
  const file = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [progress, setProgress] = useState<{ name: string; f: number }>();
  const [ok, setOk] = useState<string>();
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    setOk(undefined);
    const f = file.current?.files?.[0];
    if (!f) return a.setError(new Error(t('audio.noFile')));
    if (f.size > p.list.maxUploadBytes) return a.setError(new Error(t('audio.tooBig', { size: bytes(f.size), max: bytes(p.list.maxUploadBytes) })));
    const clipName = name.trim() || undefined;
    void a.run(async () => {
      setProgress({ name: f.name, f: 0 });
      try {
        await api.upload({ name: clipName, filename: f.name }, f, (fr) => setProgress({ name: f.name, f: fr }));
      } finally {
        setProgress(undefined);
      }
      setOk(t('audio.uploaded', { name: clipName ?? f.name }));
      setName('');
      if (file.current) file.current.value = '';
      p.done();
    });
  };
  return (
    <form class="inline" onSubmit={submit}>
      <fieldset>
        <legend>{t('audio.upload')}</legend>
        <Field label={t('audio.file')}>{(id) => <input id={id} ref={file} type="file" name="clip" accept=".au,.wav,.mp3,.opus,.ogg,.oga,audio/*" />}</Field>
        <Field label={t('audio.clipName')}>{(id) => <input id={id} name="name" maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
        <button type="submit" class="primary" disabled={a.busy}>{t('audio.uploadSubmit')}</button>
        {progress && <Progress label={t('audio.uploading', { name: progress.name })} value={progress.f} />}
        <ErrorBox error={a.error} />
        <Notice text={ok} />
      </fieldset>
    </form>
  );
}

function LinkBox(p: { clip: Clip; close: () => void }) {
  const [volume, setVolume] = useState('100');
  const [repeat, setRepeat] = useState('0');
  const [link, setLink] = useState<string>();
  const [copied, setCopied] = useState(false);
  const a = useAction();
  const make = (e: Event) => {
    e.preventDefault();
    void a.run(async () => setLink((await api.link(p.clip.id, { volume: Number(volume), repeat: Number(repeat) })).url));
  };
  const copy = () => void navigator.clipboard?.writeText(link ?? '').then(() => setCopied(true), () => setCopied(false));
  return (
    <form class="inline sub" onSubmit={make}>
      <fieldset>
        <legend>{t('audio.linkTitle', { name: p.clip.name })}</legend>
        <Field label={t('audio.volume')}>{(id) => <input id={id} type="number" min={0} max={1000} value={volume} onInput={(e) => setVolume(e.currentTarget.value)} />}</Field>
        <Field label={t('audio.repeat')}>{(id) => <input id={id} type="number" min={-1} max={10000} value={repeat} onInput={(e) => setRepeat(e.currentTarget.value)} />}</Field>
        <button type="submit" disabled={a.busy}>{t('audio.makeLink')}</button>
        <button type="button" onClick={p.close}>{t('common.close')}</button>
        <ErrorBox error={a.error} />
        {link && (
          <div class="link">
            <Field label={t('audio.link')} hint={t('audio.linkHint')}>{(id, d) => <input id={id} aria-describedby={d} readOnly value={link} />}</Field>
            <button type="button" onClick={copy}>{copied ? t('common.copied') : t('common.copy')}</button>
          </div>
        )}
      </fieldset>
    </form>
  );
}

function RenameBox(p: { clip: Clip; done: () => void; close: () => void }) {
  const [name, setName] = useState(p.clip.name);
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      await api.rename(p.clip.id, { name });
      p.done();
    });
  };
  return (
    <form class="inline sub" onSubmit={submit}>
      <Field label={t('audio.newName', { name: p.clip.name })}>{(id) => <input id={id} value={name} maxLength={64} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
      <button type="submit" disabled={a.busy}>{t('common.save')}</button>
      <button type="button" onClick={p.close}>{t('common.cancel')}</button>
      <ErrorBox error={a.error} />
    </form>
  );
}

function ClipRow(p: { clip: Clip; reload: () => void }) {
  const [open, setOpen] = useState<'link' | 'rename'>();
  const a = useAction();
  const c = p.clip;
  const remove = () => confirm(t('audio.confirmDelete', { name: c.name })) && void a.run(async () => (await api.removeClip(c.id), p.reload()));
  const download = () => void a.run(async () => save(await api.clipAudio(c.id), `${c.name}.${c.format}`));
  return (
    <>
      <tr>
        <th scope="row">{c.name}</th>
        <td>{(c.durationMs / 1000).toFixed(1)} s</td>
        <td>{c.format} · {bytes(c.bytes)}</td>
        <td>{c.replayGainDb === null ? '—' : `${c.replayGainDb.toFixed(1)} dB`}</td>
        <td class="actions">
          <button type="button" aria-label={`${t('audio.play')} ${c.name}`} onClick={() => void a.run(() => api.play(c.id, {}))}>{t('audio.play')}</button>
          <button type="button" aria-label={`${t('audio.rename')} ${c.name}`} onClick={() => setOpen(open === 'rename' ? undefined : 'rename')}>{t('audio.rename')}</button>
          <button type="button" aria-label={`${t('audio.link')} ${c.name}`} onClick={() => setOpen(open === 'link' ? undefined : 'link')}>{t('audio.link')}</button>
          <button type="button" aria-label={`${t('audio.download')} ${c.name}`} onClick={download}>{t('audio.download')}</button>
          <button type="button" class="danger" aria-label={`${t('common.delete')} ${c.name}`} onClick={remove}>{t('common.delete')}</button>
          <ErrorBox error={a.error} />
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={5}>
            {open === 'link' ? <LinkBox clip={c} close={() => setOpen(undefined)} /> : <RenameBox clip={c} close={() => setOpen(undefined)} done={() => (setOpen(undefined), p.reload())} />}
          </td>
        </tr>
      )}
    </>
  );
}

export function Clips() {
  const [list, setList] = useState<ClipList>();
  const [err, setErr] = useState<unknown>();
  const stop = useAction();
  const [stopped, setStopped] = useState<'audio.stopped' | 'audio.nothingPlaying'>();
  const reload = () => void api.clips().then(setList, setErr);
  useEffect(reload, []);
  return (
    <Card title={t('audio.clips')}>
      <ErrorBox error={err} />
      {!list && !err && <Loading />}
      {list && (
        <>
          <p>{t('audio.quota', { used: bytes(list.usedBytes), quota: bytes(list.quotaBytes), max: bytes(list.maxUploadBytes) })}</p>
          <Scroll label={t('audio.clips')}>
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">{t('audio.name')}</th>
                  <th scope="col">{t('audio.duration')}</th>
                  <th scope="col">{t('audio.format')}</th>
                  <th scope="col">{t('audio.loudness')}</th>
                  <th scope="col">{t('audio.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.clips.map((c) => <ClipRow key={`${c.id}-${c.name}`} clip={c} reload={reload} />)}
                {list.clips.length === 0 && <tr><td colSpan={5}>{t('audio.none')}</td></tr>}
              </tbody>
            </table>
          </Scroll>
          <button type="button" onClick={() => void stop.run(async () => setStopped((await api.stop()).stopped ? 'audio.stopped' : 'audio.nothingPlaying'))}>{t('audio.stop')}</button>
          <Notice text={stopped && t(stopped)} />
          <ErrorBox error={stop.error} />
          <Upload list={list} done={reload} />
        </>
      )}
    </Card>
  );
}
