import type { BoardProfile } from '@belfry/board';
import { Bus, type BusCredentials } from './bus.js';
import { ConfigError } from './config-error.js';
import { readBusCredentials } from './credentials.js';
import { EventPublisher } from './events.js';
import { AuditLog, createLogger, type Logger } from './log.js';
import { ParamCache } from './param-cache.js';
import { PARAM_VETO } from './params-contract.js';
import type { ContractSpec, HandlersOf } from './contract.js';
import { BelfryError } from './errors.js';
import { devicePaths, stateDir, type DevicePaths } from './paths.js';
import { RpcCaller, RpcServer, type Contract, type Handlers } from './rpc.js';
import { T } from './topics.js';
import type { RouteSpec } from './contract.js';
import type { RouteHandlers } from './http/serve.js';

export type DaemonState = 'starting' | 'ready' | 'stopping' | 'stopped' | 'dead';

/** What a daemon gets from the runtime. Nothing in it depends on the process layout. */
export interface DaemonContext {
  name: string;
  paths: DevicePaths;
  /** this daemon's own state folder (`<root>/var/lib/belfry/<name>`) */
  stateDir: string;
  board: BoardProfile;
  bus: Bus;
  rpc: RpcCaller;
  log: Logger;
  audit: AuditLog;
  events: EventPublisher;
  params: ParamCache;
  /**
   * Serves this daemon's RPC methods on `belfry/rpc/<name>/…`: from its contract (`serve(BOARDD,
   * handlers)`: params checked against the method schemas, callers enforced), or the generic form
   * (handlers and optional JSON schemas; callers `daemons`) until every daemon has a contract.
   */
  serve<S extends ContractSpec>(spec: S, handlers: HandlersOf<S>): Promise<void>;
  serve<C extends Contract>(handlers: Handlers<C>, opts?: { schemas?: Partial<Record<keyof C, object>> }): Promise<void>;
  /** Publishes retained data under `belfry/notify/<name>/<topic>`. */
  announce(topic: string, data: unknown): void;
  /**
   * Declares that this daemon must approve changes to params under `prefixes` before paramd stores
   * them; `check` throws a `vetoed` BelfryError to refuse.
   */
  vetoParams(prefixes: string[], check: (changes: Record<string, string | null>) => void | Promise<void>): Promise<void>;
  /**
   * Serves this daemon's HTTP routes on `<run>/<name>/http.sock` behind httpd (the front door) and
   * declares them retained on `belfry/decl/<name>/routes`. Once per daemon.
   */
  serveHttp(routes: readonly RouteSpec[], handlers: RouteHandlers): Promise<void>;
}

/** What `belfry/decl/<daemon>/routes` holds. */
export interface RoutesDecl {
  socket: string;
  routes: RouteSpec[];
}

export interface Daemon {
  stop(): Promise<void>;
}

/** Each daemon's `src/main.ts` exports this. */
export interface DaemonModule {
  name: string;
  start(ctx: DaemonContext): Promise<Daemon>;
}

export interface RunOptions {
  root: string;
  board: BoardProfile;
  credentials?: BusCredentials;
  log?: Logger;
}

export interface RunningDaemon {
  ctx: DaemonContext;
  stop(): Promise<void>;
}

/**
 * Brings one daemon up: bus connection with a last will of `dead`, state `starting`, the daemon's
 * own `start`, then state `ready`. `stop` publishes `stopping`, stops the daemon and leaves `stopped`.
 */
export async function runDaemon(mod: DaemonModule, opts: RunOptions): Promise<RunningDaemon> {
  const name = mod.name;
  const paths = devicePaths(opts.root);
  const log = opts.log ?? createLogger(name);
  const stateTopic = T.state(name);
  const stateMsg = (state: DaemonState) => JSON.stringify({ state, pid: process.pid, time: new Date().toISOString() });
  const bus = await Bus.connect({
    socketPath: paths.busSocket,
    credentials: opts.credentials ?? readBusCredentials(paths, name),
    will: { topic: stateTopic, payload: stateMsg('dead') },
    log,
  });
  const rpc = new RpcCaller(bus);
  const params = new ParamCache(bus, rpc);
  const server = new RpcServer(bus, name, log);
  let httpApp: import('fastify').FastifyInstance | undefined;
  const vetoes: { prefixes: string[]; check: (c: Record<string, string | null>) => void | Promise<void> }[] = [];
  const ctx: DaemonContext = {
    name,
    paths,
    stateDir: stateDir(paths, name),
    board: opts.board,
    bus,
    rpc,
    log,
    audit: new AuditLog(paths.log, name, log),
    events: new EventPublisher(bus, name),
    params,
    serve: async (first: ContractSpec | Handlers<Contract>, second?: unknown) => {
      if (isContractSpec(first)) {
        if (first.name !== name) throw new BelfryError('invalid_argument', `${name} cannot serve ${first.name}'s contract`);
        server.addContract(first, second as HandlersOf<ContractSpec>);
      } else server.add(first, (second as { schemas?: Record<string, object> } | undefined)?.schemas);
      await server.listen();
    },
    announce: (topic, data) => bus.publish(T.notify(name, topic), JSON.stringify(data), { retain: true, qos: 1 }),
    vetoParams: async (prefixes, check) => {
      vetoes.push({ prefixes, check });
      if (vetoes.length === 1) {
        server.addContract(PARAM_VETO, {
          paramVeto: async ({ changes }) => {
            for (const v of vetoes) {
              const mine = Object.fromEntries(Object.entries(changes).filter(([k]) => v.prefixes.some((p) => k === p || k.startsWith(p + '.'))));
              if (Object.keys(mine).length) await v.check(mine);
            }
            return { ok: true as const };
          },
        });
        await server.listen();
      }
      bus.publish(T.decl(name, 'paramVeto'), JSON.stringify({ prefixes: vetoes.flatMap((v) => v.prefixes) }), { retain: true, qos: 1 });
    },
    serveHttp: async (routes, handlers) => {
      if (httpApp) throw new Error('serveHttp is called once');
      // loaded here, not at the top: a daemon that serves no routes (paramd, boardd) never loads
      // fastify (~10 MB of heap and code per process, measured by `make bench`)
      const { httpSocketPath, listenOnSocket, routeServer } = await import('./http/serve.js');
      const socket = httpSocketPath(paths.run, name);
      httpApp = routeServer(routes, handlers, log);
      await listenOnSocket(httpApp, socket);
      const decl: RoutesDecl = { socket, routes: [...routes] };
      await bus.publishAck(T.decl(name, 'routes'), JSON.stringify(decl), { retain: true });
    },
  };
  bus.publish(stateTopic, stateMsg('starting'), { retain: true, qos: 1 });
  let daemon: Daemon;
  try {
    daemon = await mod.start(ctx);
  } catch (err) {
    // a ConfigError is reported once, by the host, without a stack trace
    if (!(err instanceof ConfigError)) log.error({ err }, 'start failed');
    bus.destroy();
    throw err;
  }
  await bus.publishAck(stateTopic, stateMsg('ready'), { retain: true });
  log.info('ready');
  let stopping: Promise<void> | undefined;
  return {
    ctx,
    stop: () =>
      (stopping ??= (async () => {
        bus.publish(stateTopic, stateMsg('stopping'), { retain: true, qos: 1 });
        try {
          await daemon.stop();
        } catch (err) {
          log.error({ err }, 'stop failed');
        }
        // the declaration stays: httpd answers 503 for the routes while this daemon is down
        await httpApp?.close().catch(() => undefined);
        rpc.close();
        if (bus.connected) {
          await Promise.race([bus.publishAck(stateTopic, stateMsg('stopped'), { retain: true }).catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
        }
        await bus.close();
      })()),
  };
}

function isContractSpec(x: unknown): x is ContractSpec {
  const c = x as ContractSpec;
  return typeof c.name === 'string' && typeof c.methods === 'object' && c.methods !== null;
}
