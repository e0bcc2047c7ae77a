/**
 * The one service list. The launcher starts these (dev, CI, many simulated devices),
 * `launcher/src/gen-units.ts` writes the systemd units of `rootfs-overlay` from it, and systemready
 * waits for the required ones, so none of them can drift.
 */
export interface ServiceSpec {
  name: string;
  description: string;
  /** systemready waits for it */
  required: boolean;
  /** needs these services up first (ordering only; each daemon copes with a late peer) */
  after: string[];
  /** false for daemons that serve load: they keep V8's optimizing compiler (see LITE_FLAGS) */
  lite?: boolean;
  /** young generation size in MB for daemons that make garbage per request (default 1) */
  semiSpaceMB?: number;
  /** V8 flags of its own (a host takes the union of its daemons') */
  v8Flags?: string[];
  /** extra systemd sandboxing needs, beyond the common set */
  unit?: { capabilities?: string[]; deviceAllow?: string[]; privateNetwork?: boolean; supplementaryGroups?: string[] };
  /** environment the process must start with (read by libuv or V8 before any code runs) */
  env?: Record<string, string>;
}

export const SERVICES: ServiceSpec[] = [
  { name: 'paramd', description: 'Belfry parameter store', required: true, after: [] },
  {
    name: 'certd',
    description: 'Belfry certificates: keystore, certificate and CA stores, the HTTPS certificate',
    // httpd's HTTPS certificate comes from it: systemready waits for it, and it starts before httpd
    // (listed first), so HTTPS opens with HTTP; httpd still copes with it late
    required: true,
    after: ['paramd'],
    // key generation and signing are native (webcrypto, OpenSSL): lite mode costs nothing there
  },
  {
    name: 'firewalld',
    description: 'Belfry firewall: the rules of the firewall API and the legacy IP filter, on nftables',
    // a device is ready once its firewall rules are in force (the kernel keeps them if firewalld stops)
    required: true,
    after: ['paramd'],
    // nft changes the network's ruleset: the one capability it needs
    unit: { capabilities: ['CAP_NET_ADMIN'] },
  },
  {
    name: 'httpd',
    description: 'Belfry web server: VAPIX HTTP API and web interface',
    required: true,
    after: ['paramd'],
    lite: false,
    // each request makes garbage: a 1 MB young generation costs ~13% of throughput in GC
    semiSpaceMB: 8,
    // glibc keeps what V8's worker threads (compiler zones, GC) malloc'd in an arena per thread, and
    // its dynamic trim threshold keeps freed memory after a burst: ~9 MB of PSS after the HTTP load
    // (bench A/B: http.httpd.pss 36 → 26 MB)
    env: { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' },
    // its idle trim (idle-trim.ts) gives memory back after boot and after each burst; V8's memory
    // reducer then still ran up to three full GCs 10–25 s after boot, ~40 ms of CPU an idle
    // device paid in its first minute (bench idle: httpd 0.13 → 0.03 % of a core)
    v8Flags: ['--no-memory-reducer'],
    unit: { capabilities: ['CAP_NET_BIND_SERVICE'] },
  },
  {
    name: 'boardd',
    description: 'Belfry board drivers (LEDs, buttons, switches)',
    required: true,
    after: ['paramd'],
    // lite: the simulated room's one costly start-up computation (its noise generator's RMS, ~1.1 s
    // of CPU in lite mode) is stored in board/src/sim/room.ts. In the default layout its host shares
    // eventd's flags anyway
    unit: { deviceAllow: ['/dev/gpiochip0 rw', 'char-input r'] },
  },
  {
    name: 'audiod',
    description: 'Belfry audio: clips, mixer, live audio, speaker test',
    required: true,
    after: ['paramd', 'boardd'],
    // mixes 50 frames a second and runs DSP for the speaker test: keep the optimizing compiler
    lite: false,
    // every pending GStreamer pull() holds a libuv worker; the default 4 starve fs calls
    // GStreamer's streaming threads would each get a glibc malloc arena of their own
    env: { UV_THREADPOOL_SIZE: '16', MALLOC_ARENA_MAX: '2' },
    unit: { deviceAllow: ['char-alsa rw'], supplementaryGroups: ['audio'] },
  },
  {
    name: 'eventd',
    description: 'Belfry events: rules, schedules, recipients, event streams',
    // SystemReady means every service, events included, is up
    required: true,
    after: ['paramd'],
    // runs the rules of every event at the device's event rate, and serves the event streams
    lite: false,
    // as httpd: its compiler threads' malloc arenas and glibc's trim threshold held ~4 MB idle
    env: { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' },
    unit: { capabilities: ['CAP_NET_BIND_SERVICE'] },
  },
  {
    name: 'sipd',
    description: 'Belfry SIP: accounts, registration, calls (media through audiod)',
    // a speaker that cannot take calls is still a speaker: systemready does not wait for SIP
    required: false,
    after: ['paramd', 'audiod'],
    // parses SIP from the network and answers calls within their timers
    lite: false,
  },
  {
    name: 'onvifd',
    description: 'Belfry ONVIF: device, media (audio-only), deviceIO and events services',
    // a VMS adds the device through ONVIF: systemready includes it
    required: true,
    after: ['paramd'],
    // a VMS polls it, and every request is an XML parse: keep the optimizing compiler (bench
    // `onvif`: 51 → 67 GetDeviceInformation/s on a loaded machine)
    lite: false,
  },
  {
    name: 'discoveryd',
    description: 'Belfry discovery: WS-Discovery, SSDP/UPnP, mDNS/DNS-SD',
    // the device works without being found; systemready does not wait for it
    required: false,
    after: ['paramd'],
  },
  {
    name: 'mqttd',
    description: 'Belfry MQTT client: event publication and subscriptions with an external broker',
    // the device works without it; systemready does not wait for a broker link
    required: false,
    after: ['paramd'],
    // publishes every event a filter takes, at the device's event rate (bench: mqtt)
    lite: false,
  },
];

/**
 * Process hosts: which daemons share a Node process. Each Node process costs ~9 MB of its own memory
 * before any of our code (plus its share of the `node` binary's ~40 MB of resident code), so daemons
 * share a host unless a failure or trust domain says otherwise (issue 8: "GStreamer in its own
 * process, private keys alone, the rest sharing"). The line drawn: who parses **unauthenticated
 * input from the network with a large parser** lives apart from the parameter store.
 *
 * - `base` — paramd, boardd and eventd. paramd (every secret param) and boardd parse no network
 *   input (the simulated board's bench listens on loopback only). eventd's input is the bus, or
 *   requests httpd authenticated before forwarding them (SOAP, WebSocket, its JSON API), or the
 *   servers an administrator configured as recipients; its one unauthenticated surface is the RTSP
 *   request head, read by its own small parser with explicit limits before httpd checks the Digest
 *   (`verifyDigest`). paramd already gives eventd its secrets, so sharing adds little to what a
 *   compromise of eventd reaches, and saves a process: idle anonymous PSS 16.6 + 24.1 MB apart,
 *   26.0 MB together (measured). The price: eventd is not lite, so neither is the host (paramd and
 *   boardd get the optimizing compiler), the host's unit has CAP_NET_BIND_SERVICE (RTSP on 554), and
 *   a crash in eventd restarts paramd (every daemon copes with paramd coming back).
 * - `net` — sipd, mqttd, onvifd, discoveryd as they land: each parses unauthenticated input from the
 *   LAN or from a remote server with a large third-party parser (SIP, MQTT from other publishers,
 *   SOAP with WS-Security in the body, WS-Discovery and mDNS multicast), so none shares a process
 *   with the parameter store; they share one with each other (a crash restarts the four; none is
 *   lite). A name listed here that the service list does not have yet is skipped.
 * - `httpd` — alone: the front door parses untrusted network input, holds the accounts and the TLS
 *   private key, and has an 8 MB young generation that sharing would impose on others; alone, its
 *   PSS figure (≤ 25 MB, bench) is its own.
 * - `audiod` — alone: GStreamer is native code with threads of its own; a crash in it takes only
 *   audio down.
 * - `keys` — certd and firewalld, the device's security configuration. certd holds the private keys
 *   (unwrapped in its memory only) and the KEK; firewalld holds CAP_NET_ADMIN (it runs `nft`). The
 *   input of both is requests httpd authenticated (admin for every change: certificates and PKCS#12
 *   files parsed by OpenSSL and node-forge, firewall rules checked field by field) — no process that
 *   parses unauthenticated input shares their memory or the capability. httpd gets only the
 *   selected HTTPS key, over an RPC only httpd may call. The price: one more process, ~16 MB
 *   anonymous PSS idle (bench `memory`; x509 and forge load only when a certificate is made or a
 *   PKCS#12 read); firewalld alone would have cost another.
 *
 * A daemon's crash restarts its whole host. Every daemon of the service list is in exactly one host
 * (a test checks it).
 */
export interface HostSpec {
  name: string;
  daemons: string[];
}

const HOST_PLAN: HostSpec[] = [
  { name: 'base', daemons: ['paramd', 'boardd', 'eventd'] },
  // before httpd: its HTTPS certificate is certd's
  { name: 'keys', daemons: ['certd', 'firewalld'] },
  { name: 'httpd', daemons: ['httpd'] },
  { name: 'audiod', daemons: ['audiod'] },
  { name: 'net', daemons: ['sipd', 'mqttd', 'onvifd', 'discoveryd'] },
];

/** The hosts of the default layout: HOST_PLAN less the daemons the service list does not have. */
export const HOSTS: HostSpec[] = HOST_PLAN.map((h) => ({ name: h.name, daemons: h.daemons.filter((d) => SERVICES.some((s) => s.name === d)) })).filter((h) => h.daemons.length > 0);

/** `default`: HOSTS; `together`: one process (boards with little RAM); `separate`: one per daemon. */
export type Layout = 'default' | 'together' | 'separate';
export const LAYOUTS: Layout[] = ['default', 'together', 'separate'];

/**
 * The hosts of a layout, restricted to `only` (hosts left empty are dropped); each host lists its
 * daemons in service-list order. Daemons in `apart` get a process each (named after the daemon),
 * the rest stay as the layout says: to profile one daemon, or to leave out the simulated board's
 * process when measuring what a real board runs (bench `idle`).
 */
export function hostsFor(layout: Layout, only?: string[], apart: string[] = []): HostSpec[] {
  const names = SERVICES.map((s) => s.name).filter((n) => !only || only.includes(n));
  const hosts: HostSpec[] =
    layout === 'together' ? [{ name: 'all', daemons: names }] : layout === 'separate' ? names.map((n) => ({ name: n, daemons: [n] })) : HOSTS.map((h) => ({ name: h.name, daemons: names.filter((n) => h.daemons.includes(n)) }));
  const rest = hosts.map((h) => ({ name: h.name, daemons: h.daemons.filter((d) => !apart.includes(d)) }));
  const own = names.filter((n) => apart.includes(n)).map((n) => ({ name: n, daemons: [n] }));
  return [...rest, ...own].filter((h) => h.daemons.length > 0);
}

/**
 * The environment of every daemon host: glibc gives each thread that mallocs (V8's compiler and GC
 * threads, libuv's workers) an arena of its own, and its dynamic trim threshold keeps what a burst
 * freed. Two arenas and a fixed 128 KB threshold: idle anonymous PSS of the network host −1.2 MB,
 * audiod −0.4 MB (bench `memory`; httpd and eventd had them already).
 */
export const HOST_ENV: Record<string, string> = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' };

/** The environment of a process hosting `names` (HOST_ENV, then each daemon's own). */
export function serviceEnv(names: string[]): Record<string, string> {
  return Object.assign({ ...HOST_ENV }, ...names.map((n) => SERVICES.find((s) => s.name === n)?.env ?? {}));
}

/** Bus users that are not daemons: the launcher itself, and a read-only user for tools and tests. */
export const EXTRA_BUS_USERS = ['launcher', 'cli'];

/**
 * V8 flags for each daemon process: a small young generation keeps an idle daemon's memory down
 * (measured by `make bench`); the heap cap makes a leak fail fast instead of starving the device.
 */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=128'];

/**
 * For daemons off the hot path: no optimizing compiler, ~4 MB less memory each (measured by
 * `make bench`). Daemons that serve load (httpd, audiod) set `lite: false`. (Lite mode cannot run
 * WebAssembly; saying so spares a V8 warning at every start.)
 */
export const LITE_FLAGS = ['--lite-mode', '--no-expose-wasm'];

/** The node flags of a process hosting `names` (lite only if every daemon in it is). */
export function nodeFlags(names: string[]): string[] {
  const specs = names.map((n) => SERVICES.find((s) => s.name === n));
  const lite = specs.every((s) => s?.lite !== false);
  const semi = Math.max(1, ...specs.map((s) => s?.semiSpaceMB ?? 1));
  const own = [...new Set(specs.flatMap((s) => s?.v8Flags ?? []))];
  return [...DAEMON_NODE_FLAGS.map((f) => (f.startsWith('--max-semi-space-size=') ? `--max-semi-space-size=${semi}` : f)), ...(lite ? LITE_FLAGS : []), ...own];
}

/** `names` in start order: the service list's order, each after the services it names in `after`. */
export function startOrder(names: string[]): string[] {
  const left = SERVICES.map((s) => s.name).filter((n) => names.includes(n));
  const out: string[] = [];
  while (left.length) {
    const i = left.findIndex((n) => SERVICES.find((s) => s.name === n)!.after.every((a) => !left.includes(a)));
    out.push(...left.splice(i < 0 ? 0 : i, 1));
  }
  return out;
}

/**
 * The required services of this device: all of them on a real device; a launcher started with
 * `--only`, or a test device, runs fewer and says which in `BELFRY_SERVICES` (comma-separated), so
 * systemready does not wait for a daemon that will never start.
 */
export const REQUIRED_SERVICES = (): string[] => {
  const here = process.env.BELFRY_SERVICES?.split(',').filter(Boolean);
  return SERVICES.filter((s) => s.required && (!here || here.includes(s.name))).map((s) => s.name);
};
