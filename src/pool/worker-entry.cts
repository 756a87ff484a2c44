// Piscina require()s its worker file first. On Node 20.19+ require() of our ESM worker goes through
// require(esm), which aborted the process once in ~30 pool starts under load ("IsGraphAsync must be
// used on an instantiated module", a V8 check in Node's loader). A CommonJS entry gives require()
// nothing to load as ESM; it imports the worker the ordinary way, at once, so the engine still loads
// before the first task (a prestarted pool's point).
const loaded = import('./worker.js');
loaded.catch(() => undefined); // a failed load is reported by the first task, not as an unhandled rejection

type Worker = Awaited<typeof loaded>['default'];

async function processTask(task: Parameters<Worker>[0]): ReturnType<Worker> {
  return (await loaded).default(task);
}

export = processTask;
