// What an `anon worker` knows of its own machine, from the same config file as `anon serve`: the
// shares and roots it may read and write (every path of a task is mapped and checked here), and
// the keys under its data folder. Keys never come from the queue: a worker without the key a
// task names, or with another key under that name, refuses the task.
import { constants, mkdirSync, openSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { confinementAvailable, openConfined } from '../io/confined.js';
import { loadSecret } from '../pseudo/secret.js';
import type { WorkerMachine } from '../queue/consumer.js';
import { QueueError } from '../queue/errors.js';
import type { KeyRef } from '../queue/task.js';
import { defaultConfig, readConfigFile, type ServeConfig } from './config.js';
import { destinationParts, toLocalPath } from './paths.js';
import { KEYFILE_ID_PATTERN, keysDir } from './project-keys.js';

export interface WorkerConfig {
  cfg: ServeConfig;
  /** No shares nor roots configured: task paths are taken as they are (one trusted machine). */
  unconfined: boolean;
}

/** The config file's shares, roots, data folder and threads; the server-only settings are ignored. */
export function workerConfig(file?: string): WorkerConfig {
  const cfg: ServeConfig = { ...defaultConfig(), ...(file ? readConfigFile(file) : {}) };
  return { cfg, unconfined: cfg.shares.length === 0 && cfg.roots.length === 0 };
}

/** The worker's machine: `runSecretFile` keys `anon run --queue` tasks (else ANON_SECRET or the per-user secret). */
export function workerMachine(w: WorkerConfig, runSecretFile?: string): WorkerMachine {
  const { cfg } = w;
  const keys = new Map<string, Uint8Array>();
  return {
    key(ref: KeyRef): Uint8Array {
      const name = ref.kind === 'run' ? ':run' : ref.id;
      const cached = keys.get(name);
      if (cached) return cached;
      let key: Buffer;
      try {
        if (ref.kind === 'run') key = loadSecret({ secretFile: runSecretFile }).key;
        else {
          if (!KEYFILE_ID_PATTERN.test(ref.id)) throw new Error('not a key id');
          key = loadSecret({ secretFile: join(keysDir(cfg.data_dir), `${ref.id}.key`) }).key;
        }
      } catch (e) {
        throw new QueueError('QUEUE_KEY', `this worker has no key ${ref.kind === 'run' ? '(the run secret)' : ref.id}: ${(e as Error).message}`);
      }
      keys.set(name, key);
      return key;
    },
    localize(named: string, what: 'input' | 'output'): string {
      if (!w.unconfined) return toLocalPath(named, cfg, what);
      if (!isAbsolute(named) || named.startsWith('\\\\')) throw new QueueError('QUEUE_TASK', `${what} ${named}: this worker has no share table (--config) to map it`);
      return resolve(named);
    },
    openOut(local: string): number {
      if (!w.unconfined && confinementAvailable()) {
        const d = destinationParts(local, cfg);
        return openConfined(d.base, d.parts, true);
      }
      mkdirSync(local, { recursive: true });
      return openSync(local, constants.O_RDONLY | constants.O_DIRECTORY);
    },
  };
}
