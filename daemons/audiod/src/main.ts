import { BOARD_BUTTON, BOARD_SWITCH } from '@belfry/boardd/contract';
import { localClient, subscribeEvents, type ActionDecl, type Handlers, type DaemonModule, type EventDecl, type ParamdContract } from '@belfry/core';
import { MIC_CALM_PERIOD_MS, MIC_IDLE_PERIOD_MS, openBoardAudio } from './board-audio.js';
import { CURRENTLY, ClipPlayer, PLAYING } from './clip-player.js';
import { DEFAULT_CLIPS } from './clips/default-clips.js';
import { ClipStore } from './clips/store.js';
import { AUDIOD, AUDIOD_ROUTES, AUDIOD_SCHEMAS, type AudioStatus, type AudiodContract } from './contract.js';
import { PARAM_OF, capabilitiesTree, mergeSettings, settingsTree, type DeviceValues } from './device-settings.js';
import { createEngine, type AudioEngine, type EngineName } from './engine/index.js';
import { LevelDetector } from './level-detector.js';
import { audioHandlers, type LiveDeps } from './http/index.js';
import { Mixer, type SourceKind } from './mixer.js';
import { clamp16, dbToGain } from './pcm.js';
import { SpeakerTest } from './speaker-test/runner.js';
import { RtpSessions, rtpPortRange } from './rtp/sessions.js';

export type { AudiodContract } from './contract.js';

const TRIGGER = 'tns1:AudioSource/tnsaxis:TriggerLevel';
const TEST_RESULT = 'tns1:Device/tnsaxis:SpeakerTest/TestResult';

export const AUDIO_EVENTS: EventDecl[] = [
  {
    topic: PLAYING,
    niceName: 'Playing state',
    stateful: true,
    source: [
      { name: 'AudioOutput', type: 'xsd:int' },
      { name: 'audiodeviceid', type: 'xsd:int', values: [0] },
      { name: 'audiooutputid', type: 'xsd:int', values: [0] },
    ],
    data: [{ name: 'Playing', type: 'xsd:boolean' }],
  },
  {
    topic: CURRENTLY,
    niceName: 'Currently playing media clip',
    stateful: false,
    source: [
      { name: 'AudioOutput', type: 'xsd:int' },
      { name: 'audiodeviceid', type: 'xsd:int', values: [0] },
      { name: 'audiooutputid', type: 'xsd:int', values: [0] },
    ],
    data: [{ name: 'FileName', type: 'xsd:string' }],
  },
  { topic: TRIGGER, niceName: 'Audio detection', stateful: true, source: [{ name: 'channel', type: 'xsd:int', values: [1] }], data: [{ name: 'triggered', type: 'xsd:boolean' }] },
  {
    topic: TEST_RESULT,
    niceName: 'Speaker test result',
    stateful: false,
    source: [{ name: 'DeviceUUID', type: 'xsd:string' }],
    data: [{ name: 'SpeakerTestStatus', type: 'xsd:string', values: ['OK', 'Failed'] }],
  },
];

const PLAY_PARAMS: ActionDecl['params'] = [
  { name: 'location', type: 'string', niceName: 'Clip (location, * matches any characters)' },
  { name: 'audiooutput', type: 'int', optional: true },
  { name: 'audiodeviceid', type: 'int', optional: true, min: 0, max: 0 },
  { name: 'audiooutputid', type: 'int', optional: true, min: 0, max: 0 },
  { name: 'repeat', type: 'int', min: -1, max: 10000 },
  { name: 'volume', type: 'int', min: 0, max: 1000 },
];
export const AUDIO_ACTIONS: ActionDecl[] = [
  { id: 'com.axis.action.fixed.play.audioclip', niceName: 'Play audio clip', service: 'audiod', method: 'play', params: PLAY_PARAMS },
  { id: 'com.axis.action.unlimited.play.audioclip', niceName: 'Play audio clip while the rule is active', service: 'audiod', method: 'play', params: PLAY_PARAMS, stopMethod: 'stop' },
  { id: 'com.axis.action.fixed.stop.audioclip', niceName: 'Stop playing audio clip', service: 'audiod', method: 'stop', params: [] },
  { id: 'com.axis.action.fixed.autospeakertest.performtest', niceName: 'Run automatic speaker test', service: 'audiod', method: 'performSpeakerTest', params: [] },
];

/**
 * audiod owns the speaker and the microphone (see README): clips, the mixer, live audio through the
 * media socket, device gain, sound level detection and the speaker test.
 */
export const daemon: DaemonModule = {
  name: 'audiod',
  async start(ctx) {
    const { params, log } = ctx;
    const paramd = ctx.rpc.client<ParamdContract>('paramd');
    const num = async (name: string, dflt: number) => {
      const v = Number(await params.get(name));
      return Number.isFinite(v) ? v : dflt;
    };
    // values read on the audio path are kept here, current through change notifications
    const live = {
      engine: ((await params.get('Audio.Engine')) ?? 'superficial') as EngineName,
      priority: { speakertest: 100, call: await num('Audio.Priority.Call', 3), transmit: await num('Audio.Priority.Transmit', 2), clip: await num('Audio.Priority.Clip', 1) } as Record<SourceKind, number>,
      dev: {
        outputGain: await num(PARAM_OF.outputGain, 0),
        outputMute: (await params.get(PARAM_OF.outputMute)) === 'yes',
        inputGain: await num(PARAM_OF.inputGain, 0),
        inputMute: (await params.get(PARAM_OF.inputMute)) === 'yes',
      } as DeviceValues,
      alarmLevel: await num('AudioSource.A0.AlarmLevel', 50),
      jitterMs: await num('Audio.ReceiverBuffer', 120),
      maxListeners: await num('Audio.MaxListeners', 20),
      micOn: true,
    };
    let engine: AudioEngine = createEngine(live.engine);
    const audio = openBoardAudio(ctx.board, engine, ctx.paths.run, log);
    const mixer = new Mixer(audio.speaker, () => live.priority);
    const applyOutputGain = () => mixer.setOutputGain(live.dev.outputMute ? 0 : dbToGain(live.dev.outputGain));
    applyOutputGain();

    // the microphone switch is boardd's; until it says otherwise a board without one has the mic on
    const unsubSwitch = await subscribeEvents(
      ctx.bus,
      BOARD_SWITCH,
      (ev) => {
        if (ev.source.name === 'mic') live.micOn = ev.data.on === true || ev.data.on === 'true' || ev.data.on === 1;
      },
      'boardd',
    );

    // microphone → input gain/mute → listeners (receive.cgi) and the level detector
    const inputListeners = new Set<(s: Int16Array) => void>();
    ctx.events.declare(AUDIO_EVENTS);
    ctx.events.declareActions(AUDIO_ACTIONS);
    ctx.events.setState(TRIGGER, { channel: 1 }, { triggered: false });
    const detector = new LevelDetector(
      () => live.alarmLevel,
      (triggered) => ctx.events.setState(TRIGGER, { channel: 1 }, { triggered }),
    );
    /** the microphone after the input gain, mute and switch */
    const conditioned = (raw: Int16Array): Int16Array => {
      if (live.dev.inputMute || !live.micOn) return new Int16Array(raw.length);
      if (live.dev.inputGain === 0) return raw;
      const g = dbToGain(live.dev.inputGain);
      const s = new Int16Array(raw.length);
      for (let i = 0; i < raw.length; i++) s[i] = clamp16(raw[i]! * g);
      return s;
    };
    // detection can wait a period; live listeners (receive.cgi) hear every 20 ms frame while they listen
    // and longer periods while the room stays far below the threshold (see LevelDetector.calm)
    const offMic = audio.onMic((raw) => {
      detector.push(conditioned(raw));
      audio.setMicPeriod(detector.calm ? MIC_CALM_PERIOD_MS : MIC_IDLE_PERIOD_MS);
    });
    let offLiveMic: (() => void) | undefined;
    const onInput = (fn: (s: Int16Array) => void) => {
      inputListeners.add(fn);
      offLiveMic ??= audio.onMic((raw) => {
        const s = conditioned(raw);
        for (const l of inputListeners) l(s);
      }, true);
      return () => {
        inputListeners.delete(fn);
        if (inputListeners.size > 0) return;
        offLiveMic?.();
        offLiveMic = undefined;
      };
    };

    const offParams = [
      params.onChange('Audio', (c) => {
        for (const [k, v] of Object.entries(c)) {
          if (v === null) continue;
          if (k === 'Audio.Engine' && v !== live.engine) {
            live.engine = v as EngineName;
            engine = createEngine(live.engine);
            log.info({ engine: v }, 'audio engine changed (new pipelines use it)');
          }
          const m = /^Audio\.Priority\.(Call|Transmit|Clip)$/.exec(k);
          if (m) live.priority[m[1]!.toLowerCase() as SourceKind] = Number(v);
          if (k === 'Audio.ReceiverBuffer') live.jitterMs = Number(v);
          if (k === 'Audio.MaxListeners') live.maxListeners = Number(v);
        }
      }),
      params.onChange('AudioSource.A0', (c) => {
        for (const [key, name] of Object.entries(PARAM_OF) as [keyof DeviceValues, string][]) {
          const v = c[name];
          if (v === undefined || v === null) continue;
          (live.dev as unknown as Record<string, unknown>)[key] = key.endsWith('Mute') ? v === 'yes' : Number(v);
        }
        if (c['AudioSource.A0.AlarmLevel']) live.alarmLevel = Number(c['AudioSource.A0.AlarmLevel']);
        applyOutputGain();
      }),
    ];

    // ---------------------------------------------------------------- clips
    const store = new ClipStore(ctx.stateDir, paramd, params, log, ctx.audit, ctx.bus);
    const limits = async () => ({
      maxUploadBytes: Math.round((await num('MediaClip.MaxUploadSize', 1.5)) * 1e6),
      quotaBytes: Math.round((await num('MediaClip.StorageQuota', 20)) * 1e6),
      maxDurationMs: (await num('MediaClip.MaxDuration', 600)) * 1000,
      maxClips: 50,
    });
    // measured at once, stored in this order (store.upload): M0 Doorbell, M1 Beep, M2 Siren
    const installDefaults = async () => {
      const l = await limits();
      const installing = DEFAULT_CLIPS.map((c) => store.upload({ name: c.name, filename: c.filename, bytes: c.make() }, l).catch((err: Error) => log.error({ err: err.message, clip: c.name }, 'default clip not installed')));
      await Promise.all(installing);
    };
    const { firstBoot } = await store.init();
    if (firstBoot) await installDefaults();
    const offClips = params.onChange('MediaClip', (c) => {
      const gone = Object.entries(c)
        .filter(([k, v]) => v === null && /^MediaClip\.M\d+\.Name$/.test(k))
        .map(([k]) => Number(/M(\d+)/.exec(k)![1]));
      for (const id of gone) {
        player.stopClip(id);
        store.forget(id);
      }
    });
    // after a factory default the clips are gone with their params: the device gets its defaults back
    const unsubReset = await ctx.bus.subscribe('belfry/notify/paramd/reset', () => {
      void (async () => {
        await store.reconcile();
        if ((await store.list()).length === 0) await installDefaults();
      })().catch((err: Error) => log.error({ err: err.message }, 'clip reset failed'));
    });

    const player = new ClipPlayer({ store, mixer, engine: () => engine, params, events: ctx.events, log });

    // ---------------------------------------------------------------- speaker test
    const deviceUUID = `${ctx.board.identity.serialNumber}`;
    const speakerTest = new SpeakerTest({
      mixer,
      onMic: (fn) => audio.onMic(fn, true),
      micOn: () => live.micOn,
      params,
      stateDir: ctx.stateDir,
      log,
      audit: ctx.audit,
      now: async () => {
        try {
          return (await ctx.rpc.client<{ getTime(p: Record<string, never>): { utcMs: number } }>('boardd').getTime({}, { timeoutMs: 1000 })).utcMs;
        } catch {
          return Date.now();
        }
      },
      onResult: (status) => ctx.events.emit(TEST_RESULT, { source: { DeviceUUID: deviceUUID }, data: { SpeakerTestStatus: status } }),
    });
    // user manual: a press of the control button starts a calibration
    const unsubButton = await subscribeEvents(
      ctx.bus,
      BOARD_BUTTON,
      (ev) => {
        if (ev.op === 'Initialized' || ev.source.name !== 'control' || ev.data.pressed !== true) return;
        try {
          speakerTest.calibrate();
          log.info('calibration started by the control button');
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'control button: calibration not started');
        }
      },
      'boardd',
    );

    // ---------------------------------------------------------------- SIP call media (for sipd)
    const rtp = new RtpSessions({
      engine: () => engine,
      mixer,
      onInput,
      jitterMs: () => live.jitterMs,
      log,
      portRange: () => rtpPortRange((n) => params.get(n)),
      // not retained: a digit or an end is news once
      publish: (topic, data) => ctx.bus.publish(topic, JSON.stringify(data), { qos: 1 }),
    });
    const unwatchSipd = await rtp.watchSipd(ctx.bus);

    // ---------------------------------------------------------------- bus API
    const methods: Handlers<AudiodContract> = {
        listClips: async () => ({ clips: await store.list(), usedBytes: store.usedBytes, quotaBytes: (await limits()).quotaBytes, maxUploadBytes: (await limits()).maxUploadBytes }),
        play: (p) => player.play(p),
        stop: () => ({ stopped: mixer.stop((s) => s.kind === 'clip') }),
        renameClip: async ({ clip, name }) => {
          await store.rename(clip, name);
          return { clip };
        },
        removeClip: async ({ clip }) => {
          player.stopClip(clip);
          await store.remove(clip);
          return { clip };
        },
        status: () => ({
          playing: mixer.active ? { kind: mixer.active.kind, ...(player.current ? { clip: player.current.id, name: player.current.name } : {}) } : null,
          microphone: live.micOn,
          inputLevel: detector.level,
          engine: engine.name,
          lastStartLatencyMs: player.lastStartLatencyMs,
          memoryMB: Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 1e5) / 10])) as AudioStatus['memoryMB'],
        }),
        getDevicesCapabilities: () => ({ devices: capabilitiesTree() }),
        getDevicesSettings: () => ({ devices: settingsTree(live.dev) }),
        setDevicesSettings: async ({ devices }) => {
          const changes = mergeSettings(devices);
          const values: Record<string, string> = {};
          for (const [k, v] of Object.entries(changes) as [keyof DeviceValues, number | boolean][]) values[PARAM_OF[k]] = typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
          if (Object.keys(values).length) {
            await paramd.update({ changes: values, level: 'internal' });
            Object.assign(live.dev, changes);
            applyOutputGain();
          }
          return {};
        },
        calibrateSpeakerTest: () => (speakerTest.calibrate(), {}),
        performSpeakerTest: () => (speakerTest.perform(), {}),
        speakerTestReport: () => speakerTest.report(),
        ...rtp.handlers(),
    };
    // the contract checks params and enforces each method's callers
    await ctx.serve(AUDIOD, methods);


    // ---------------------------------------------------------------- HTTP routes (behind httpd)
    const liveDeps: LiveDeps = {
      mixer,
      jitterMs: () => live.jitterMs,
      onInput,
      micOn: () => live.micOn,
      maxListeners: () => live.maxListeners,
    };
    await ctx.serveHttp(
      AUDIOD_ROUTES,
      audioHandlers({
        audiod: localClient(methods, AUDIOD_SCHEMAS, 'audiod'),
        param: async (n) => (await params.get(n)) ?? undefined,
        caps: ctx.board.capabilities,
        log,
        maxUploadBytes: async () => (await limits()).maxUploadBytes,
        incoming: () => store.incoming(),
        upload: async (name, filename, path) => store.upload({ name, filename, path }, await limits()),
        download: async (id) => {
          const c = await store.get(id);
          return { mime: c.mime, filename: c.location.split('/').pop()!, bytes: store.read(c) };
        },
        live: liveDeps,
      }),
    );

    return {
      async stop() {
        offMic();
        offLiveMic?.();
        for (const off of offParams) off();
        offClips();
        await unsubSwitch();
        await unsubButton();
        await unsubReset();
        await unwatchSipd();
        await rtp.stopAll();
        await mixer.close();
        await speakerTest.whenIdle();
        await audio.close();
      },
    };
  },
};
