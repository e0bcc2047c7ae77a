import { join } from 'node:path';
import type { BoardProfile } from './profile.js';
import { simBoard } from './sim/index.js';

export * from './profile.js';
export { wavFile, wavHeader } from './wav.js';
export * as sim from './sim/index.js';

/** Board profiles this build knows, by name (`BELFRY_BOARD`, default `sim`). */
export function loadBoard(root: string, name = process.env.BELFRY_BOARD ?? 'sim'): BoardProfile {
  if (name === 'sim') return simBoard(join(root, 'factory'));
  throw new Error(`unknown board '${name}'`);
}
