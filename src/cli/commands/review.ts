import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { startReview } from '../../review/app.js';
import { ReviewError } from '../../review/errors.js';
import { ReviewSession } from '../../review/session.js';

interface ReviewArgs {
  paths: string[];
  port: number;
  out: string;
  profile: string[];
  'profiles-dir'?: string;
  'secret-file'?: string;
  reviewer?: string;
}

/** `anon review PATH…`: the review page for quarantined images, on 127.0.0.1 only. */
export const reviewCommand: CommandModule<object, ReviewArgs> = {
  command: 'review <paths..>',
  describe: "Review quarantined images in the browser (a watch quarantine folder or a run's report folder): draw masks, release or reject",
  builder: (y) =>
    y
      .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'watch quarantine folders or run report folders (with journal.ndjson or report.json)' })
      .option('port', { type: 'number', default: 8090, describe: 'port on 127.0.0.1 (0: any free port); never another address' })
      .option('out', { type: 'string', demandOption: true, describe: 'where released images are written (patient/study/series/instance.dcm)' })
      .option('profile', { alias: 'p', type: 'string', array: true, default: ['basic'], describe: 'profile(s) releases are de-identified with, the reviewed masks on top' })
      .option('profiles-dir', { type: 'string', describe: 'folder where "apply to all like this" saves named profiles (default <out>/../review-profiles)' })
      .option('secret-file', { type: 'string', describe: 'the project secret (as anon run)' })
      .option('reviewer', { type: 'string', describe: 'name recorded with each decision (default: the login name)' }),
  handler: async (args) => {
    let session: ReviewSession;
    try {
      session = new ReviewSession({
        sources: args.paths,
        out: resolve(args.out),
        profile: args.profile,
        profilesDir: resolve(args['profiles-dir'] ?? join(resolve(args.out), '..', 'review-profiles')),
        secretFile: args['secret-file'],
      });
    } catch (e) {
      if (e instanceof ReviewError) throw new UsageError(e.message);
      throw e;
    }
    for (const n of session.notes) console.error(`anon review: ${n}`);
    const handle = await startReview(session, { port: args.port, reviewer: args.reviewer ?? userInfo().username });
    console.log(`anon review: open ${handle.url}`);
    await new Promise<void>((done) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void handle.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
};
