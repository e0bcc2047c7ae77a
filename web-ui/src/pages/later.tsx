import { t } from '../i18n/index.js';
import type { PageEntry } from '../pages.js';

/** A page of a feature that is not on the device yet: the frame keeps its place. */
export function Later(p: { entry: PageEntry }) {
  return (
    <>
      <h1>{t(p.entry.label)}</h1>
      <p>{t('later.text', { name: t(p.entry.label) })}</p>
    </>
  );
}
