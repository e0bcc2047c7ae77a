import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file scripts/build.mjs compiles from `daemons/core/native/` into `dist/`: found beside the
 * bundle (`dist/`, from `dist/chunks/`) or in the repository's `dist/` (from sources, as the tests
 * run); undefined without a build.
 */
export function nativeFile(name: string, from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    for (const p of [join(dir, name), join(dir, 'dist', name)]) if (existsSync(p)) return p;
  }
  return undefined;
}

let trimmer: { trim(): boolean } | null | undefined;

/**
 * glibc's malloc_trim(0) (`native/malloc-trim.c`): gives every free page of malloc's arenas back.
 * Returns whether memory was released; undefined when the addon was not built (nothing happens).
 */
export function mallocTrim(): boolean | undefined {
  if (trimmer === undefined) {
    const file = nativeFile('malloc-trim.node');
    trimmer = file ? (createRequire(import.meta.url)(file) as { trim(): boolean }) : null;
  }
  return trimmer?.trim();
}
