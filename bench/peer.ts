// One benchmark peer process, started by bench/bus-bench.ts over an IPC channel:
//   node --import tsx bench/peer.ts <role> <root> <user> [<target user>]
// Roles: rpc-server, rpc-client (daemons/core Bus + RpcServer/RpcCaller), bare-server, bare-client
// (plain mqtt.js with MQTT v5 responseTopic + correlationData), ev-pub, ev-sub (EventPublisher /
// subscribeEvents, and the same over plain mqtt.js). The parent sends commands; the peer answers
// with one message per command. It leaves when the parent goes away.
import mqtt, { type MqttClient } from 'mqtt';
import { Bus, EventPublisher, RpcCaller, devicePaths, readBusCredentials, serve, subscribeEvents } from '@belfry/core';
import { EV_BARE_TOPIC, EV_DECL, EV_TOPIC, type Cmd, type EvResult, type PubResult } from './protocol.js';

const [role, root, user, target] = process.argv.slice(2) as [string, string, string, string | undefined];
const paths = devicePaths(root);
const creds = readBusCredentials(paths, user);

function send(msg: unknown): void {
  process.send!(msg);
}
process.on('disconnect', () => process.exit(0));

/** A plain mqtt.js connection with the same options the Bus uses. */
function bare(): Promise<MqttClient> {
  const client = mqtt.connect({
    protocol: 'mqtt+unix' as never,
    path: paths.busSocket,
    protocolVersion: 5,
    clean: true,
    clientId: `${user}-bare-${process.pid}`,
    username: creds.username,
    password: creds.password,
    reconnectPeriod: 0,
  } as mqtt.IClientOptions);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

async function timedLoop(warmup: number, n: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call(i);
  const samples = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call(i);
    samples[i] = performance.now() - t;
  }
  return samples;
}

const payloadOf = (i: number) => ({ seq: i, name: 'Audio.A0.Name', value: 'bench' });

async function main(): Promise<void> {
  switch (role) {
    case 'rpc-server': {
      const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: creds });
      await serve(bus, user, { echo: (p: unknown) => p });
      send({ ready: true });
      return;
    }
    case 'rpc-client': {
      const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: creds });
      const rpc = new RpcCaller(bus);
      send({ ready: true });
      process.on('message', async (cmd: Cmd) => {
        if (cmd.cmd !== 'run') return;
        const samples = await timedLoop(cmd.warmup, cmd.n, (i) => rpc.call(target!, 'echo', payloadOf(i)));
        send({ samples });
      });
      return;
    }
    case 'bare-server': {
      const c = await bare();
      await c.subscribeAsync(`belfry/rpc/${user}/+/+`, { qos: 0 });
      c.on('message', (_topic, payload, packet) => {
        const responseTopic = packet.properties?.responseTopic;
        if (!responseTopic) return;
        const params = payload.length ? JSON.parse(payload.toString('utf8')) : undefined;
        c.publish(responseTopic, JSON.stringify({ ok: true, result: params ?? null }), { qos: 0, properties: { correlationData: packet.properties?.correlationData } });
      });
      send({ ready: true });
      return;
    }
    case 'bare-client': {
      const c = await bare();
      const pending = new Map<string, (v: unknown) => void>();
      c.on('message', (_topic, payload, packet) => {
        const id = packet.properties?.correlationData?.toString('utf8');
        const p = id === undefined ? undefined : pending.get(id);
        if (!p) return;
        pending.delete(id!);
        p((JSON.parse(payload.toString('utf8')) as { result: unknown }).result);
      });
      await c.subscribeAsync(`belfry/reply/${user}/+`, { qos: 0 });
      let seq = 0;
      const call = (i: number) =>
        new Promise((resolve) => {
          const id = `b${(seq++).toString(36)}`;
          pending.set(id, resolve);
          c.publish(`belfry/rpc/${target}/echo/${user}`, JSON.stringify(payloadOf(i)), {
            qos: 0,
            properties: { responseTopic: `belfry/reply/${user}/r`, correlationData: Buffer.from(id) },
          });
        });
      send({ ready: true });
      process.on('message', async (cmd: Cmd) => {
        if (cmd.cmd !== 'run') return;
        send({ samples: await timedLoop(cmd.warmup, cmd.n, call) });
      });
      return;
    }
    case 'ev-pub': {
      const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: creds });
      const events = new EventPublisher(bus, user);
      events.declare([EV_DECL]);
      const c = await bare();
      const barrier = `belfry/notify/${user}/barrier`;
      send({ ready: true });
      process.on('message', async (cmd: Cmd) => {
        if (cmd.cmd !== 'publish') return;
        const t0 = performance.now();
        for (let i = 0; i < cmd.n; ) {
          const end = Math.min(cmd.n, i + cmd.batch);
          if (cmd.variant === 'core') {
            for (; i < end; i++) events.emit(EV_TOPIC, { source: { name: 'bench' }, data: { seq: i } });
            // the broker answers a QoS 1 publish after every earlier one on this connection: a barrier
            await bus.publishAck(barrier, 'b');
          } else {
            for (; i < end; i++) {
              const ev = { topic: EV_TOPIC, utcTime: new Date().toISOString(), source: { name: 'bench' }, key: {}, data: { seq: i } };
              c.publish(`belfry/event/${user}/${EV_BARE_TOPIC}`, JSON.stringify(ev), { qos: 0 });
            }
            await c.publishAsync(barrier, 'b', { qos: 1 });
          }
        }
        const ms = performance.now() - t0;
        const r: PubResult = { published: cmd.n, ms, perSec: (cmd.n / ms) * 1000 };
        send(r);
      });
      return;
    }
    case 'ev-sub': {
      const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: creds });
      const c = await bare();
      let armed: { variant: string; n: number } | undefined;
      let count = 0;
      let first = 0;
      let last = 0;
      let outOfOrder = 0;
      let prevSeq = -1;
      const report = () => {
        if (!armed) return;
        const r: EvResult = { variant: armed.variant, received: count, expected: armed.n, spanMs: last - first, outOfOrder };
        armed = undefined;
        send(r);
      };
      const onEvent = (variant: string, seq: number) => {
        if (!armed || armed.variant !== variant) return;
        const now = performance.now();
        if (count === 0) first = now;
        last = now;
        count++;
        if (seq < prevSeq) outOfOrder++;
        prevSeq = seq;
        if (count === armed.n) report();
      };
      await subscribeEvents(bus, EV_TOPIC, (ev) => onEvent('core', Number(ev.data.seq)));
      await c.subscribeAsync(`belfry/event/+/${EV_BARE_TOPIC}`, { qos: 0 });
      c.on('message', (_t, payload) => {
        const ev = JSON.parse(payload.toString('utf8')) as { data: { seq: number } };
        onEvent('bare', ev.data.seq);
      });
      send({ ready: true });
      process.on('message', (cmd: Cmd) => {
        if (cmd.cmd === 'arm') {
          armed = { variant: cmd.variant, n: cmd.n };
          count = 0;
          outOfOrder = 0;
          prevSeq = -1;
          send({ armed: true });
        } else if (cmd.cmd === 'finish') report();
      });
      return;
    }
    default:
      throw new Error(`unknown role ${role}`);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench peer ${role}/${user}: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
