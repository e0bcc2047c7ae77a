/**
 * The internal bus topic layout. Every daemon publishes only under topics that carry its own name,
 * and the broker's ACL enforces it (`aclText` in `broker.ts`), so no daemon or app can impersonate
 * another:
 *
 *   belfry/rpc/<service>/<method>/<caller>   RPC request (the caller's name is checked by the ACL)
 *   belfry/reply/<caller>/<id>                RPC reply (only <caller> may read it)
 *   belfry/event/<daemon>/<onvif topic>[/~<instance>]   events; stateful ones retained per instance
 *   belfry/decl/<daemon>/<kind>               retained declarations (events, actions, param vetoes)
 *   belfry/daemon/<daemon>/state              retained liveness; last will `dead`
 *   belfry/notify/<daemon>/<name>             other data a daemon announces (e.g. param changes)
 */
export const T = {
  rpc: (service: string, method: string, caller: string) => `belfry/rpc/${service}/${method}/${caller}`,
  rpcServe: (service: string) => `belfry/rpc/${service}/+/+`,
  reply: (caller: string, id: string) => `belfry/reply/${caller}/${id}`,
  replyFilter: (caller: string) => `belfry/reply/${caller}/+`,
  event: (daemon: string, topic: string) => `belfry/event/${daemon}/${topic}`,
  decl: (daemon: string, kind: string) => `belfry/decl/${daemon}/${kind}`,
  state: (daemon: string) => `belfry/daemon/${daemon}/state`,
  notify: (daemon: string, name: string) => `belfry/notify/${daemon}/${name}`,
};

/** Daemon and method names: they become topic levels, so they must not hold `/`, `+`, `#`. */
export const NAME_RE = /^[a-z][a-zA-Z0-9_-]{0,63}$/;

/** MQTT topic filter match (`+` one level, `#` the rest, including the parent level). */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const seg = f[i];
    if (seg === '#') return true;
    if (i >= t.length) return false;
    if (seg !== '+' && seg !== t[i]) return false;
  }
  return f.length === t.length;
}
