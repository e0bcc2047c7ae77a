import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { callerOf, sendConfigRest, type RouteHandlers } from '@belfry/core/http';
import { policyOf } from '../store/keys.js';
import type { FileCertStore } from '../store/file-store.js';
import { KEYSTORE_ID, type Who } from '../store/types.js';
import { dataOf, objectOf, seconds, str, strList } from './body.js';

const send = sendConfigRest;
const key = (req: FastifyRequest, name = 'alias') => (req.params as Record<string, string>)[name] ?? '';

/** Writes are admin (reads viewer, the route's least role): the front door forwarded the role. */
function writer(req: FastifyRequest): Who {
  const c = callerOf(req);
  if (c.role !== 'admin') throw new BelfryError('permission_denied', 'changing certificates needs an administrator');
  return { user: c.user, via: 'rest' };
}

/** A property of an item (§9.1: properties are path segments): read any, set `certificate` (the replacement). */
async function property(req: FastifyRequest, reply: FastifyReply, item: Record<string, string>, replace: (pem: string, who: Who) => Promise<void>) {
  const name = key(req, 'property');
  if (!(name in item)) throw new BelfryError('not_found', req.url.split('?')[0]!);
  if (req.method === 'GET') return send(reply, 200, item[name]);
  const who = writer(req);
  if (name !== 'certificate') throw new BelfryError('invalid_argument', `${name} cannot be set`);
  const d = dataOf(req);
  if (typeof d !== 'string') throw new BelfryError('invalid_argument', 'data must be a PEM certificate');
  await replace(d, who);
  return send(reply, 200);
}

/** A PKCS#12 file in base64: anything else is a 400 before it reaches the parser. */
function base64(v: string, name: string): Buffer {
  const s = v.replace(/\s/g, '');
  if (!s || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new BelfryError('invalid_argument', `${name} must be base64`);
  return Buffer.from(s, 'base64');
}

/**
 * `/config/rest/cert/v1` (§9.2), the same handlers for `v1` and `v1beta`. Paths arrive
 * percent-decoded (`vms%20https` is the alias `vms https`). A handler throws `BelfryError`s; the
 * route layer answers them in the config-rest shape (real status, `{"status":"error",…}`).
 */
export function restHandlers(store: FileCertStore, base: string): RouteHandlers {
  const certView = (alias: string) => {
    const c = store.get(alias);
    if (!c) throw new BelfryError('not_found', `${base}/certificates/${alias}`);
    return { alias: c.alias, certificate: c.certificate, keystore: c.keystore };
  };
  const caView = (alias: string) => {
    const c = store.getCa(alias);
    if (!c) throw new BelfryError('not_found', `${base}/ca_certificates/${alias}`);
    return { alias: c.alias, certificate: c.certificate };
  };
  const keystores = () => [{ id: KEYSTORE_ID, security_level: 'SOFTWARE', key_types: [...policyOf(store.policyName()).keyTypes], certifications: [] }];
  return {
    [base]: async (_req, reply) => send(reply, 200, { certificates: store.list().map((c) => certView(c.alias)), ca_certificates: store.listCa().map((c) => caView(c.alias)), keystores: keystores(), settings: { keystore: store.keystore() } }),
    [`${base}/certificates`]: async (req, reply) => {
      if (req.method === 'GET') return send(reply, 200, store.list().map((c) => certView(c.alias)));
      const who = writer(req);
      const d = objectOf(dataOf(req), ['alias', 'certificate', 'private_key', 'keystore']);
      await store.importPem({ alias: str(d, 'alias', true), certificate: str(d, 'certificate', true), privateKey: str(d, 'private_key', true), keystore: str(d, 'keystore') }, who);
      return send(reply, 201);
    },
    [`${base}/certificates/:alias`]: async (req, reply) => {
      if (req.method === 'GET') return send(reply, 200, certView(key(req)));
      const who = writer(req);
      if (req.method === 'DELETE') await store.delete(key(req), who);
      else await store.replace(key(req), str(objectOf(dataOf(req), ['certificate']), 'certificate', true), who);
      return send(reply, 200);
    },
    [`${base}/certificates/:alias/get_csr`]: async (req, reply) => {
      writer(req);
      const d = objectOf(dataOf(req), ['subject', 'subject_alt_names']);
      if (!store.get(key(req))) throw new BelfryError('not_found', `${base}/certificates/${key(req)}`);
      return send(reply, 200, await store.csr(key(req), { subject: str(d, 'subject'), subjectAltNames: strList(d, 'subject_alt_names') }));
    },
    [`${base}/certificates/:alias/:property`]: async (req, reply) => property(req, reply, certView(key(req)), (pem, who) => store.replace(key(req), pem, who)),
    [`${base}/ca_certificates/:alias/:property`]: async (req, reply) => property(req, reply, caView(key(req)), (pem, who) => store.replaceCa(key(req), pem, who)),
    [`${base}/ca_certificates`]: async (req, reply) => {
      if (req.method === 'GET') return send(reply, 200, store.listCa().map((c) => caView(c.alias)));
      const who = writer(req);
      const d = objectOf(dataOf(req), ['alias', 'certificate']);
      await store.addCa({ alias: str(d, 'alias', true), certificate: str(d, 'certificate', true) }, who);
      return send(reply, 201);
    },
    [`${base}/ca_certificates/:alias`]: async (req, reply) => {
      if (req.method === 'GET') return send(reply, 200, caView(key(req)));
      const who = writer(req);
      if (req.method === 'DELETE') await store.deleteCa(key(req), who);
      else await store.replaceCa(key(req), str(objectOf(dataOf(req), ['certificate']), 'certificate', true), who);
      return send(reply, 200);
    },
    [`${base}/create_certificate`]: async (req, reply) => {
      const who = writer(req);
      const d = objectOf(dataOf(req), ['alias', 'subject', 'key_type', 'keystore', 'subject_alt_names', 'valid_from', 'valid_to']);
      await store.create({ alias: str(d, 'alias', true), subject: str(d, 'subject', true), keyType: str(d, 'key_type'), keystore: str(d, 'keystore'), subjectAltNames: strList(d, 'subject_alt_names'), validFrom: seconds(d, 'valid_from'), validTo: seconds(d, 'valid_to') }, who);
      return send(reply, 200);
    },
    [`${base}/install_from_pkcs12`]: async (req, reply) => {
      const who = writer(req);
      const d = objectOf(dataOf(req), ['alias', 'pkcs12', 'passphrase', 'keystore']);
      await store.importPkcs12({ alias: str(d, 'alias', true), pkcs12: base64(str(d, 'pkcs12', true), 'pkcs12'), passphrase: str(d, 'passphrase') ?? '', keystore: str(d, 'keystore') }, who);
      return send(reply, 200);
    },
    [`${base}/keystores`]: async (_req, reply) => send(reply, 200, keystores()),
    [`${base}/keystores/:id`]: async (req, reply) => {
      const k = keystores().find((x) => x.id === key(req, 'id'));
      if (!k) throw new BelfryError('not_found', `${base}/keystores/${key(req, 'id')}`);
      return send(reply, 200, k);
    },
    [`${base}/settings`]: async (_req, reply) => send(reply, 200, { keystore: store.keystore() }),
    [`${base}/settings/keystore`]: async (req, reply) => {
      if (req.method === 'GET') return send(reply, 200, store.keystore());
      const who = writer(req);
      const d = dataOf(req);
      if (typeof d !== 'string') throw new BelfryError('invalid_argument', 'data must be a keystore id');
      await store.setKeystore(d, who);
      return send(reply, 200);
    },
  };
}
