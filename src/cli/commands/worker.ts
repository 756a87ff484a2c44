import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { ConfigError } from '../../serve/errors.js';
import { workerConfig, workerMachine } from '../../serve/worker-machine.js';
import { checkQueueUrl, shownUrl } from '../../queue/url.js';
import { QueueError } from '../../queue/errors.js';
import { startQueueWorker } from '../../queue/consumer.js';

interface WorkerArgs {
  queue: string;
  config?: string;
  threads?: number;
  concurrency: number;
  'secret-file'?: string;
  'lease-ms': number;
  'heartbeat-ms': number;
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: 'worker',
  describe: 'Take de-identification tasks from a queue (anon serve --queue, anon run --queue) and run them on this machine',
  builder: (y) =>
    y
      .option('queue', { type: 'string', demandOption: true, describe: 'Redis URL of the queue, e.g. redis://10.0.0.5:6379' })
      .option('config', {
        type: 'string',
        describe: "anon serve's config file: its shares and roots (where tasks' paths are, and the only folders read or written) and data_dir (its keys/)",
      })
      .option('threads', { type: 'number', describe: "threads of this worker's pool (default: the config's threads, else the cores)" })
      .option('concurrency', { type: 'number', default: 2, describe: 'tasks taken at once' })
      .option('secret-file', { type: 'string', describe: 'the secret of anon run --queue tasks (default ANON_SECRET, else the per-user secret)' })
      .option('lease-ms', { type: 'number', default: 30_000, describe: 'a task whose worker stops renewing it this long goes to another worker' })
      .option('heartbeat-ms', { type: 'number', default: 5000, describe: 'how often this worker announces itself (load, version)' }),
  handler: async (args) => {
    let url: string;
    let w;
    try {
      url = checkQueueUrl(args.queue);
      w = workerConfig(args.config);
    } catch (e) {
      if (e instanceof ConfigError || e instanceof QueueError) throw new UsageError(e.message);
      throw e;
    }
    for (const [name, v] of [
      ['--concurrency', args.concurrency],
      ['--lease-ms', args['lease-ms']],
      ['--heartbeat-ms', args['heartbeat-ms']],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} takes a whole number ≥ 1`);
    }
    if (args.threads !== undefined && (!Number.isInteger(args.threads) || args.threads < 0)) throw new UsageError('--threads takes a whole number ≥ 0');
    const { availableParallelism } = await import('node:os');
    const threads = args.threads ?? (args.config ? w.cfg.threads : availableParallelism());
    if (w.unconfined) console.error('anon worker: no shares nor roots configured (--config): task paths are used as they are; give a config to confine them');
    const lease = args['lease-ms'];
    const handle = await startQueueWorker({
      url,
      machine: workerMachine(w, args['secret-file']),
      threads,
      concurrency: args.concurrency,
      lockDurationMs: lease,
      stalledIntervalMs: Math.max(500, Math.floor(lease / 2)),
      heartbeatMs: args['heartbeat-ms'],
      log: (m) => console.error(`anon worker: ${m}`),
    }).catch((e: unknown) => {
      throw e instanceof QueueError ? new UsageError(e.message) : e;
    });
    console.log(`anon worker: ${handle.id} taking tasks from ${shownUrl(url)} (${threads} threads, ${args.concurrency} tasks at once)`);
    await new Promise<void>((resolveStop) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        console.error('anon worker: stopping after the tasks in hand');
        void handle.close().then(resolveStop);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    process.exit(process.exitCode ?? 0);
  },
};
