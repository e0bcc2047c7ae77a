import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where the rules go: the host's network (a real board), a named network namespace, or nowhere (check only). */
export type Target = { kind: 'host' } | { kind: 'netns'; name: string } | { kind: 'check' };

/** How firewalld talks to nftables: check a ruleset without applying it, or apply it. */
export interface Nft {
  check(text: string): Promise<void>;
  apply(text: string): Promise<void>;
}

/** nft's own words, when it refuses (its first lines: the error and the offending statement). */
export class NftError extends Error {}

const NFT = existsSync('/usr/sbin/nft') ? '/usr/sbin/nft' : 'nft';
const IP = existsSync('/usr/sbin/ip') ? '/usr/sbin/ip' : 'ip';
/** nft answers in milliseconds; one that hangs (a wedged netlink) must not hold the queue */
const TIMEOUT_MS = 10_000;

function run(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'], timeout: TIMEOUT_MS });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(0, 4096)));
    child.on('error', (e) => reject(new NftError(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new NftError(err.trim().split('\n').slice(0, 3).join('\n') || `${cmd} ended with ${signal ?? code}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** The real `nft -f -` (and `nft -c -f -`), inside `ip netns exec <name>` for a namespace. */
export function realNft(target: Target): Nft {
  const exec = (extra: string[], text: string) => (target.kind === 'netns' ? run(IP, ['netns', 'exec', target.name, NFT, ...extra, '-f', '-'], text) : run(NFT, [...extra, '-f', '-'], text));
  return {
    check: (text) => exec(['-c'], text),
    apply: async (text) => {
      if (target.kind === 'check') return exec(['-c'], text);
      return exec([], text);
    },
  };
}

/**
 * Where this device's rules go: `BELFRY_NETNS` names the device's own network namespace (a simulated
 * device in a fleet or a test); a real board filters its own network; a simulated board without a
 * namespace only checks (it must never touch the machine it runs on).
 */
export function targetOf(boardId: string, env: NodeJS.ProcessEnv = process.env): Target {
  if (env.BELFRY_NETNS) return { kind: 'netns', name: env.BELFRY_NETNS };
  return boardId === 'sim' ? { kind: 'check' } : { kind: 'host' };
}
