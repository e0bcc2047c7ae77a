// The shell: first run, login, then the navigation frame around the pages.
import { useEffect, useState } from 'preact/hooks';
import { whenUnauthenticated } from './api/http.js';
import { vapix } from './api/vapix.js';
import { t } from './i18n/index.js';
import { NAV, RANK } from './pages.js';
import { linkClick, navigate, usePath } from './router.js';
import { logout, resume, watchIdle, type Me } from './session.js';
import { applyTheme, savedTheme, type Theme } from './theme.js';
import { Loading } from './components.js';
import { Setup } from './pages/setup.js';
import { Login } from './pages/login.js';
import { Status } from './pages/status.js';
import { Audio } from './pages/audio.js';
import { System } from './pages/system.js';
import { Maintenance } from './pages/maintenance.js';
import { Events } from './pages/events.js';
import { Later } from './pages/later.js';
import { Mqtt } from './pages/mqtt.js';
import { Sip } from './pages/sip.js';
import { Security } from './pages/security.js';

type State = { kind: 'loading' } | { kind: 'setup' } | { kind: 'login'; why?: string } | { kind: 'in'; me: Me };

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const path = usePath();
  const boot = async (why?: string) => {
    // the session first (its GET needs no CSRF token): any later request with the cookie must carry it
    const me = await resume();
    if (me) return setState({ kind: 'in', me });
    const ready = await vapix.systemReady().catch(() => undefined);
    setState(ready?.needsetup === 'yes' ? { kind: 'setup' } : { kind: 'login', why });
  };
  useEffect(() => {
    whenUnauthenticated(() => setState({ kind: 'login', why: t('login.ended') }));
    void boot();
  }, []);
  useEffect(() => {
    if (state.kind !== 'in') return;
    return watchIdle(state.me.idleTimeoutS, () => {
      void logout().then(() => setState({ kind: 'login', why: t('login.idle', { minutes: Math.round(state.me.idleTimeoutS / 60) }) }));
    });
  }, [state]);
  useEffect(() => {
    if (state.kind === 'setup' && path !== '/setup') navigate('/setup', true);
    if (state.kind === 'login' && path !== '/login') navigate(`/login`, true);
    if (state.kind === 'in' && (path === '/' || path === '/login' || path === '/setup')) navigate('/status', true);
  }, [state, path]);

  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'setup') return <Bare><Setup done={() => void boot()} /></Bare>;
  if (state.kind === 'login') return <Bare><Login why={state.why} done={(me) => setState({ kind: 'in', me })} /></Bare>;
  return <Frame me={state.me} path={path} onLogout={() => void logout().then(() => boot())} onReset={() => void boot()} />;
}

function ThemePicker() {
  const [theme, setTheme] = useState<Theme>(savedTheme());
  return (
    <label class="theme">
      <span>{t('theme.label')}</span>
      <select value={theme} onChange={(e) => { const v = (e.currentTarget as HTMLSelectElement).value as Theme; setTheme(v); applyTheme(v); }}>
        <option value="auto">{t('theme.auto')}</option>
        <option value="light">{t('theme.light')}</option>
        <option value="dark">{t('theme.dark')}</option>
      </select>
    </label>
  );
}

function Bare(p: { children: preact.ComponentChildren }) {
  return (
    <div class="bare">
      <header class="top">
        <span class="brand">{t('app.name')}</span>
        <ThemePicker />
      </header>
      <main id="main">{p.children}</main>
    </div>
  );
}

function Frame(p: { me: Me; path: string; onLogout: () => void; onReset: () => void }) {
  const [open, setOpen] = useState(false);
  const pages = NAV.filter((n) => RANK[p.me.role] >= RANK[n.role]);
  const current = pages.find((n) => p.path === n.path || p.path.startsWith(`${n.path}/`)) ?? pages[0]!;
  useEffect(() => {
    document.title = `${t(current.label)} · ${t('app.name')}`;
    setOpen(false);
  }, [current]);
  return (
    <div class="frame">
      <a class="skip" href="#main">{t('app.skip')}</a>
      <header class="top">
        <button type="button" class="menu" aria-expanded={open} aria-controls="nav" onClick={() => setOpen(!open)}>{t('nav.menu')}</button>
        <span class="brand">{t('app.name')}</span>
        <span class="me">{t('user.as', { user: p.me.user, role: t(`role.${p.me.role}`) })}</span>
        <ThemePicker />
        <button type="button" onClick={p.onLogout}>{t('logout')}</button>
      </header>
      <nav id="nav" class={open ? 'open' : ''} aria-label={t('nav.label')}>
        <ul>
          {pages.map((n) => (
            <li key={n.path}>
              <a href={n.path} onClick={(e) => (linkClick(e), setOpen(false))} aria-current={n === current ? 'page' : undefined} class={n.later ? 'later' : ''}>{t(n.label)}</a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Page path={current.path} me={p.me} onReset={p.onReset} />
      </main>
    </div>
  );
}

function Page(p: { path: string; me: Me; onReset: () => void }) {
  switch (p.path) {
    case '/status': return <Status me={p.me} />;
    case '/audio': return <Audio me={p.me} />;
    case '/mqtt': return <Mqtt />;
    case '/sip': return <Sip />;
    case '/system': return <System me={p.me} />;
    case '/maintenance': return <Maintenance onReset={p.onReset} />;
    case '/events': return <Events />;
    case '/security': return <Security />;
    default: return <Later entry={NAV.find((n) => n.path === p.path)!} />;
  }
}
