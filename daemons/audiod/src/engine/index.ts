import type { AudioEngine, EngineName } from './engine.js';
import { LaunchEngine } from './launch.js';
import { SuperficialEngine } from './superficial.js';

export * from './engine.js';

export function createEngine(name: EngineName): AudioEngine {
  return name === 'launch' ? new LaunchEngine() : new SuperficialEngine();
}
