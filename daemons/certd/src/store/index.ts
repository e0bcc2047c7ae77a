export * from './types.js';
export { ALIAS_MAX, FACTORY_HTTPS_ALIAS, MAX_CA_CERTIFICATES, MAX_CERTIFICATES } from './file-store.js';
export { DEVICE_ID_ALIAS } from './device-id-source.js';
export { POLICIES, policyOf, type PolicyName } from './keys.js';
