import { randomBytes } from 'node:crypto';
import type { IPublishPacket } from 'mqtt';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Bus } from './bus.js';
import { BelfryError, toErrorShape, type ErrorShape } from './errors.js';
import { NAME_RE, T } from './topics.js';
import type { Logger } from './log.js';
import { mayCall } from './bus-users.js';
import type { CallMeta, Callers, ClientOf, ContractSpec, HandlersOf } from './contract.js';

export type { CallMeta } from './contract.js';

/** A service contract: method name → (params) => result. Used only for types (the generic, pre-TypeBox form). */
export type Contract = Record<string, (params: any) => unknown>;

export type Handlers<C extends Contract> = {
  [K in keyof C]: (params: Parameters<C[K]>[0], meta: CallMeta) => Promise<Awaited<ReturnType<C[K]>>> | Awaited<ReturnType<C[K]>>;
};

export type Client<C extends Contract> = {
  [K in keyof C]: (params: Parameters<C[K]>[0], opts?: { timeoutMs?: number }) => Promise<Awaited<ReturnType<C[K]>>>;
};

type Reply = { ok: true; result: unknown } | { ok: false; error: ErrorShape };

/** Largest request or reply accepted on the bus (the broker's message_size_limit is a bit above). */
export const MAX_RPC_BYTES = 4 * 1024 * 1024;
export const DEFAULT_RPC_TIMEOUT_MS = 5000;
/** MQTT v5 user property carrying the caller's deadline, absolute epoch ms (callers share the machine's clock). */
export const DEADLINE_PROPERTY = 'deadline';
/** Who may call methods served without a contract: anyone but an app. */
export const DEFAULT_CALLERS: Callers = 'daemons';

// validateSchema: false — the schemas are the contracts' (TypeBox), checked against the JSON Schema
// meta-schema and compiled by launcher/test/contract-schemas.test.ts; compiling the meta-schema cost every host
// 10–35 ms of CPU at start per Ajv instance (profiled boot)
const ajv = new Ajv({ allErrors: false, strict: false, validateSchema: false });

/**
 * Each method's params validator, compiled at its first call: compiling every method of every
 * contract at start was ~30–60 ms of a host's CPU before it could say ready (profiled boot), for
 * methods most of which an idle device never sees called.
 */
class Validators {
  private readonly schemas = new Map<string, object>();
  private readonly compiled = new Map<string, ValidateFunction>();
  set(method: string, schema: object): void {
    this.schemas.set(method, schema);
    this.compiled.delete(method);
  }
  get(method: string): ValidateFunction | undefined {
    let v = this.compiled.get(method);
    const schema = v ? undefined : this.schemas.get(method);
    if (schema) this.compiled.set(method, (v = ajv.compile(schema)));
    return v;
  }
}

/**
 * Serves `service`'s methods on the bus. A request is `belfry/rpc/<service>/<method>/<caller>` with
 * the MQTT v5 response topic and correlation data; the reply is `{ok, result}` or `{ok:false, error}`.
 * Schemas (JSON schema per method) are checked before a handler runs, so handlers see typed input.
 * Malformed requests get a `bad_request` reply when they name a response topic and are dropped with
 * a log line otherwise; nothing a caller sends can throw out of here. Methods may be added after the
 * server listens (one subscription per service, however many parts of a daemon add methods).
 *
 * Each method has its `callers` (from the contract; `daemons` for methods added without one): a
 * request from anyone else gets `permission_denied` before anything runs. A request whose deadline
 * (user property `deadline`) has passed is dropped unanswered, with a warning: its caller has
 * given up, and acting on it would surprise whoever retries.
 */
export class RpcServer {
  private handlers = new Map<string, (params: never, meta: CallMeta) => unknown>();
  private validators = new Validators();
  private callers = new Map<string, Callers>();
  private listening: Promise<() => Promise<void>> | undefined;

  constructor(
    private readonly bus: Bus,
    readonly service: string,
    private readonly log?: Logger,
  ) {}

  /** Methods without a contract (the generic form): JSON schemas optional, callers `daemons`. */
  add<C extends Contract>(handlers: Handlers<C>, schemas: Partial<Record<keyof C, object>> = {}): this {
    for (const [m, h] of Object.entries(handlers)) {
      if (!NAME_RE.test(m)) throw new BelfryError('invalid_argument', `bad method name '${m}'`);
      this.handlers.set(m, h as (params: never, meta: CallMeta) => unknown);
      this.callers.set(m, DEFAULT_CALLERS);
    }
    for (const [m, schema] of Object.entries(schemas)) this.validators.set(m, schema as object);
    return this;
  }

  /** A contract's methods: every method of `spec` must have a handler; params are checked against its schema. */
  addContract<S extends ContractSpec>(spec: S, handlers: HandlersOf<S>): this {
    for (const [m, ms] of Object.entries(spec.methods)) {
      const h = (handlers as Record<string, unknown>)[m];
      if (typeof h !== 'function') throw new BelfryError('invalid_argument', `${spec.name}.${m} has no handler`);
      if (!NAME_RE.test(m)) throw new BelfryError('invalid_argument', `bad method name '${m}'`);
      this.handlers.set(m, h as (params: never, meta: CallMeta) => unknown);
      this.validators.set(m, ms.params);
      this.callers.set(m, ms.callers);
    }
    return this;
  }

  listen(): Promise<() => Promise<void>> {
    const prefixLen = `belfry/rpc/${this.service}/`.length;
    this.listening ??= this.bus.subscribe(T.rpcServe(this.service), (topic, payload, packet) => this.onRequest(topic.slice(prefixLen), payload, packet));
    return this.listening;
  }

  /** Whether `caller` may call `method` and still waits for it: an error to answer, `drop`, or the deadline to hand on. */
  private admit(method: string, caller: string, packet: IPublishPacket): ErrorShape | 'drop' | { deadline?: number } {
    if (!mayCall(this.callers.get(method) ?? DEFAULT_CALLERS, caller)) {
      this.log?.warn({ service: this.service, method, caller }, 'rpc refused: caller not allowed');
      return { code: 'permission_denied', message: `${caller} may not call ${this.service}.${method}` };
    }
    const deadline = readDeadline(packet);
    if (deadline === null) return { code: 'bad_request', message: `user property '${DEADLINE_PROPERTY}' must be epoch milliseconds` };
    if (deadlinePassed(deadline)) {
      this.log?.warn({ service: this.service, method, caller, lateMs: Date.now() - deadline! }, 'dropped: deadline passed');
      return 'drop';
    }
    return { deadline };
  }

  private onRequest(rest: string, payload: Buffer, packet: IPublishPacket): void {
    const slash = rest.indexOf('/');
    const method = rest.slice(0, slash);
    const caller = rest.slice(slash + 1);
    const responseTopic = packet.properties?.responseTopic;
    const correlationData = packet.properties?.correlationData;
    const bus = this.bus;
    const respond = (reply: Reply) => {
      let body = JSON.stringify(reply);
      if (body.length > MAX_RPC_BYTES) body = JSON.stringify({ ok: false, error: { code: 'limit_exceeded', message: 'reply too large' } });
      bus.publish(responseTopic!, body, { properties: { correlationData } });
    };
    const fail = (error: ErrorShape) => respond({ ok: false, error });
    if (!responseTopic || !responseTopic.startsWith(`belfry/reply/${caller}/`)) {
      this.log?.warn({ service: this.service, method }, 'rpc request without a valid response topic dropped');
      return;
    }
    const handler = this.handlers.get(method);
    if (!handler) return fail({ code: 'unknown_method', message: `${this.service} has no method '${method}'` });
    const admitted = this.admit(method, caller, packet);
    if (admitted === 'drop') return;
    if ('code' in admitted) return fail(admitted);
    const { deadline } = admitted;
    if (payload.length > MAX_RPC_BYTES) return fail({ code: 'limit_exceeded', message: 'request too large' });
    let params: unknown;
    try {
      params = payload.length ? JSON.parse(payload.toString('utf8')) : undefined;
    } catch {
      return fail({ code: 'bad_request', message: 'request is not valid JSON' });
    }
    const validate = this.validators.get(method);
    if (validate && !validate(params)) {
      const e = validate.errors?.[0];
      return fail({ code: 'bad_request', message: `invalid params: ${e?.instancePath || '/'} ${e?.message ?? ''}`.trim() });
    }
    let out: unknown;
    try {
      out = handler(params as never, deadline === undefined ? { caller } : { caller, deadline });
    } catch (err) {
      logUnexpected(err, this.log, this.service, method);
      return fail(toErrorShape(err));
    }
    if (out instanceof Promise) {
      out.then(
        (result) => respond({ ok: true, result: result ?? null }),
        (err) => {
          logUnexpected(err, this.log, this.service, method);
          fail(toErrorShape(err));
        },
      );
    } else respond({ ok: true, result: out ?? null });
  }
}

/** The deadline a request carries: undefined when it has none, null when it is malformed. */
function readDeadline(packet: IPublishPacket): number | undefined | null {
  const raw = packet.properties?.userProperties?.[DEADLINE_PROPERTY];
  if (raw === undefined) return undefined;
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export function deadlinePassed(deadline: number | undefined): boolean {
  return deadline !== undefined && Date.now() > deadline;
}

/**
 * For work that waited (a queue) after the server accepted the request: throws, with the same
 * warning as the server's, when the caller's deadline has passed by now, so the work is not done.
 */
export function checkDeadline(meta: CallMeta, what: string, log?: Logger): void {
  if (!deadlinePassed(meta.deadline)) return;
  log?.warn({ method: what, caller: meta.caller, lateMs: Date.now() - meta.deadline! }, 'dropped: deadline passed');
  throw new BelfryError('timeout', `${what}: the caller's deadline passed before its turn`);
}

/** Serves one set of handlers (a convenience over `RpcServer`). */
export function serve<C extends Contract>(
  bus: Bus,
  service: string,
  handlers: Handlers<C>,
  opts: { schemas?: Partial<Record<keyof C, object>>; log?: Logger } = {},
): Promise<() => Promise<void>> {
  return new RpcServer(bus, service, opts.log).add(handlers, opts.schemas).listen();
}

function logUnexpected(err: unknown, log: Logger | undefined, service: string, method: string): void {
  if (!(err instanceof BelfryError)) log?.error({ err, service, method }, 'rpc handler failed');
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** The calling side: one reply subscription per bus connection, pending calls keyed by correlation id. */
export class RpcCaller {
  private pending = new Map<string, Pending>();
  private ready: Promise<unknown> | undefined;
  private seq = 0;
  private readonly prefix = randomBytes(6).toString('hex');

  constructor(private readonly bus: Bus) {}

  private ensureSubscribed(): Promise<unknown> {
    this.ready ??= this.bus.subscribe(T.replyFilter(this.bus.username), (_topic, payload, packet) => {
      const id = packet.properties?.correlationData?.toString('utf8');
      if (!id) return;
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      clearTimeout(p.timer);
      let reply: Reply;
      try {
        reply = JSON.parse(payload.toString('utf8')) as Reply;
      } catch {
        return p.reject(new BelfryError('bad_request', 'reply is not valid JSON'));
      }
      if (reply.ok) p.resolve(reply.result);
      else p.reject(BelfryError.from(reply.error));
    });
    return this.ready;
  }

  /** Calls `service.method`; the server drops the request unanswered if it arrives after `timeoutMs`. */
  async call(service: string, method: string, params: unknown, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<unknown> {
    if (!NAME_RE.test(service) || !NAME_RE.test(method)) throw new BelfryError('invalid_argument', `bad service or method name '${service}.${method}'`);
    await this.ensureSubscribed();
    const id = `${this.prefix}${(this.seq++).toString(36)}`;
    const body = params === undefined ? '' : JSON.stringify(params);
    if (body.length > MAX_RPC_BYTES) throw new BelfryError('limit_exceeded', 'request too large');
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BelfryError('timeout', `${service}.${method} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.bus.publish(T.rpc(service, method, this.bus.username), body, {
        properties: { responseTopic: T.reply(this.bus.username, 'r'), correlationData: Buffer.from(id), userProperties: { [DEADLINE_PROPERTY]: String(deadline) } },
      });
    });
  }

  /**
   * A typed client: from a contract (`client(PARAMD).get({names})`), or the generic form
   * (`client<SomeContract>('paramd')`) kept until every caller has a contract to name.
   */
  client<S extends ContractSpec>(spec: S): ClientOf<S>;
  client<C extends Contract>(service: string): Client<C>;
  client(target: string | ContractSpec): unknown {
    const service = typeof target === 'string' ? target : target.name;
    const known = typeof target === 'string' ? undefined : target.methods;
    return new Proxy({}, {
      get: (_t, method) => {
        if (typeof method !== 'string' || method === 'then') return undefined;
        if (known && !Object.hasOwn(known, method)) return undefined;
        return (params: unknown, opts?: { timeoutMs?: number }) => this.call(service, method, params, opts?.timeoutMs);
      },
    });
  }

  /** Rejects every pending call (used on shutdown so nothing waits for a timer). */
  close(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new BelfryError('unavailable', 'bus closed'));
      this.pending.delete(id);
    }
  }
}

/**
 * A client that calls `handlers` in this process, params checked against `schemas` as the RPC
 * server checks them (a daemon's HTTP routes use its own methods this way, off the bus).
 */
export function localClient<C extends Contract>(handlers: Handlers<C>, schemas: Partial<Record<keyof C, object>>, caller: string): Client<C> {
  const validators = new Validators();
  for (const [m, s] of Object.entries(schemas)) validators.set(m, s as object);
  const out: Record<string, (p: unknown) => Promise<unknown>> = {};
  for (const [m, h] of Object.entries(handlers)) {
    out[m] = async (params) => {
      const validate = validators.get(m);
      if (validate && !validate(params)) {
        const e = validate.errors?.[0];
        throw new BelfryError('bad_request', `invalid params: ${e?.instancePath || '/'} ${e?.message ?? ''}`.trim());
      }
      return (h as (p: unknown, meta: CallMeta) => unknown)(params, { caller });
    };
  }
  return out as unknown as Client<C>;
}
