import { Type } from 'typebox';
import { defineContract, type HttpMethod, type MethodsOf, type RouteSpec } from '@belfry/core/contract';

/** `/config/rest/firewall/v1` (the Device Configuration framework): admin only, JSON `{"data": …}`. */
export const FW_BASE = '/config/rest/firewall/v1';
export const FW_API = { id: 'firewall', major: 1, version: '1.1.2', state: 'released' } as const;
/** 256 rules of every member fit in ~64 KiB */
export const FW_BODY_LIMIT = 128 * 1024;

type Probe = RouteSpec['probe'];
const get = (path: string): Probe => ({ method: 'GET', url: `${FW_BASE}${path}`, needs: 'admin' });
const post = (path: string, data: unknown): Probe => ({ method: 'POST', url: `${FW_BASE}${path}`, body: JSON.stringify({ data }), contentType: 'application/json', needs: 'admin' });
const route = (path: string, methods: readonly HttpMethod[], summary: string, probe: Probe): RouteSpec => ({ path: `${FW_BASE}${path}`, methods, access: 'admin', errors: 'config-rest', bodyLimit: FW_BODY_LIMIT, summary, configApi: FW_API, probe });
// actions are POST (AXIS OS ≤ 11.10: PUT); sets PATCH (≤ 11.10: PUT)
const ACTION: readonly HttpMethod[] = ['POST', 'PUT'];

export const FIREWALLD_ROUTES: readonly RouteSpec[] = [
  route('', ['GET'], 'the whole firewall API: activated, the rules and a running test', get('')),
  route('/activated', ['GET', 'PATCH', 'PUT'], 'whether the firewall enforces its rules', get('/activated')),
  route('/conf', ['GET'], 'the configuration: the rules', get('/conf')),
  route('/conf/rules', ['GET'], 'active and pending rules, default policies, the test time left', get('/conf/rules')),
  route('/conf/rules/:property', ['GET'], 'one property of the rules (activeRules, testTimeLeft, …)', get('/conf/rules/testTimeLeft')),
  route('/conf/setRules', ACTION, 'new rules and default policy: tested for fallbackTime seconds (rolled back unless confirmed), or applied at once with 0', post('/conf/setRules', { rules: [], defaultPolicy: 'ACCEPT', fallbackTime: 0 })),
  route('/conf/confirmRules', ACTION, 'keep the rules under test', post('/conf/confirmRules', {})),
  route('/conf/clearPendingRules', ACTION, 'roll the rules under test back now', post('/conf/clearPendingRules', {})),
];

/** The stateful event of a rules test: true from `setRules` with a fallback time until it is confirmed or rolled back. */
export const FW_TEST_TOPIC = 'tns1:Device/tnsaxis:Firewall/RulesTest';

export const FirewallStatus = Type.Object({
  activated: Type.Boolean(),
  legacyFilter: Type.Boolean(),
  /** where the rules go: the host's network, the device's network namespace, or checked only */
  target: Type.Union([Type.Literal('host'), Type.Literal('netns'), Type.Literal('check')]),
  testTimeLeft: Type.Integer(),
  /** nft's words when the last check or apply failed, else empty */
  lastError: Type.String(),
});

/** firewalld's contract: its status, the test event, its routes. */
export const FIREWALLD = defineContract({
  name: 'firewalld',
  methods: {
    status: { params: Type.Object({}, { additionalProperties: false }), result: FirewallStatus, callers: 'daemons', summary: 'where the rules go, the test, the last nft error' },
  },
  events: {
    rulesTest: {
      topic: FW_TEST_TOPIC,
      niceName: 'Firewall rules under test',
      stateful: true,
      source: Type.Object({}),
      data: Type.Object({ Testing: Type.Boolean() }),
    },
  },
  routes: FIREWALLD_ROUTES,
});

export type FirewalldContract = MethodsOf<typeof FIREWALLD>;
