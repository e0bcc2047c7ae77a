// The UI's pages: the navigation and the paths httpd answers with index.html (its static.ts
// UI_PAGES holds the same names; web-ui/test checks they agree).
import type { Key } from './i18n/index.js';

export interface PageEntry {
  path: string;
  label: Key;
  /** a page a later feature brings: shown in the frame, saying so */
  later?: true;
  /** least role to see it */
  role: 'viewer' | 'operator' | 'admin';
}

export const NAV: PageEntry[] = [
  { path: '/status', label: 'nav.status', role: 'viewer' },
  { path: '/audio', label: 'nav.audio', role: 'operator' },
  { path: '/system', label: 'nav.system', role: 'admin' },
  { path: '/maintenance', label: 'nav.maintenance', role: 'admin' },
  { path: '/events', label: 'nav.events', role: 'admin' },
  { path: '/sip', label: 'nav.sip', role: 'admin' },
  { path: '/mqtt', label: 'nav.mqtt', role: 'admin' },
  { path: '/security', label: 'nav.security', role: 'admin' },
  { path: '/apps', label: 'nav.apps', role: 'admin', later: true },
  { path: '/network', label: 'nav.network', role: 'admin', later: true },
  { path: '/time', label: 'nav.time', role: 'admin', later: true },
];

/** Pages outside the navigation. */
export const OTHER_PATHS = ['/setup', '/login'];

export const RANK = { anonymous: 0, viewer: 1, operator: 2, admin: 3 } as const;
