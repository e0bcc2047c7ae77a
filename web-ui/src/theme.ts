// Light, dark or the system's choice, remembered in this browser.
export type Theme = 'auto' | 'light' | 'dark';
const KEY = 'belfry.theme';

export function savedTheme(): Theme {
  const v = localStorage.getItem(KEY);
  return v === 'light' || v === 'dark' ? v : 'auto';
}

export function applyTheme(th: Theme): void {
  if (th === 'auto') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', th);
  localStorage.setItem(KEY, th);
}
