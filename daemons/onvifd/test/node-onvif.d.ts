// node-onvif 0.1.7 ships no types: what the client test uses of it
declare module 'node-onvif' {
  interface Result {
    data: Record<string, unknown>;
  }
  export class OnvifDevice {
    constructor(opts: { xaddr: string; user?: string; pass?: string });
    init(): Promise<Record<string, unknown>>;
    getInformation(): Record<string, string>;
    getProfileList(): { token: string; name: string; audio?: unknown }[];
    services: {
      device: { getDeviceInformation(): Promise<Result>; getScopes(): Promise<Result> };
      media: { getProfiles(): Promise<Result>; getAudioSources(): Promise<Result> };
      events?: { getEventProperties(): Promise<Result> };
    };
  }
  const onvif: { OnvifDevice: typeof OnvifDevice };
  export default onvif;
}
