// Security (admin): certificates and the CA store, then the firewall.
import { t } from '../i18n/index.js';
import { CaCertificates, Certificates } from './security/certificates.js';
import { Firewall } from './security/firewall.js';

export function Security() {
  return (
    <>
      <h1>{t('nav.security')}</h1>
      <p class="sections">
        {t('ev.sections')} <a href="#certificates">{t('cert.title')}</a> <a href="#ca-certificates">{t('ca.title')}</a> <a href="#firewall">{t('fw.title')}</a>
      </p>
      <Certificates />
      <CaCertificates />
      <Firewall />
    </>
  );
}
