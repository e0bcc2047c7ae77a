import { t } from '../i18n/index.js';
import type { Me } from '../session.js';
import { Accounts } from './accounts.js';
import { Discovery } from './discovery.js';
import { PlainConfig } from './plain-config.js';

export function System(_p: { me: Me }) {
  return (
    <>
      <h1>{t('system.title')}</h1>
      <Accounts />
      <Discovery />
      <PlainConfig />
    </>
  );
}
