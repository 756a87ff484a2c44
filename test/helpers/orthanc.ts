// A real PACS for the tests: Orthanc (Debian's orthanc + orthanc-dicomweb) with a temp storage
// folder, its own config, HTTP on a free loopback port and no DICOM port. Orthanc 1.10 listens on
// every interface, so where it can (root, unshare works) a test file re-executes itself in a fresh
// network namespace with only loopback up, and everything it starts runs in there.

import type { Test } from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ORTHANC = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
export const orthancPresent = existsSync(ORTHANC) && existsSync(DICOMWEB_PLUGIN);
export const SKIP_ORTHANC = orthancPresent
  ? false
  : `Orthanc with its DICOMweb plugin not found (${ORTHANC}, ${DICOMWEB_PLUGIN}): apt-get install orthanc orthanc-dicomweb; PACS tests skipped`;

const NETNS_FLAG = 'ANONFLOW_IN_NETNS';

/**
 * Call first, before importing tap: re-runs this test file inside `unshare --net` with loopback up
 * and exits with its status. Returns how the file runs: 'netns' (inside), or 'loopback' with why.
 */
export function enterNetns(): string {
  if (process.env[NETNS_FLAG]) return 'netns: a fresh network namespace with only loopback';
  if (!orthancPresent) return 'no Orthanc';
  if (process.getuid?.() !== 0) return 'loopback only (not root: no network namespace; Orthanc also listens on other interfaces, refusing remote clients)';
  const probe = spawnSync('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
  if (probe.status !== 0) return 'loopback only (unshare --net or ip failed here; Orthanc also listens on other interfaces, refusing remote clients)';
  const r = spawnSync('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [NETNS_FLAG]: '1' },
  });
  process.exit(r.status ?? 1);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface OrthancHandle {
  /** http://127.0.0.1:PORT */
  url: string;
  /** the DICOMweb root */
  dicomweb: string;
  /** the WADO-URI endpoint */
  wado: string;
  /** Stops Orthanc (SIGKILL: a crash, not a shutdown); its storage stays. */
  kill(): Promise<void>;
  /** Starts it again on the same port and storage. */
  start(): Promise<void>;
  /** POST /instances, one file at a time; the Orthanc ids of what it stored. */
  upload(files: (string | Buffer)[]): Promise<void>;
  get(path: string): Promise<any>;
  log(): string;
}

export async function startOrthanc(t: Test, name = 'anonflow-test'): Promise<OrthancHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'anonflow-orthanc-'));
  const port = await freePort();
  mkdirSync(join(dir, 'db'));
  mkdirSync(join(dir, 'tmp'));
  const config = {
    Name: name,
    StorageDirectory: join(dir, 'db'),
    IndexDirectory: join(dir, 'db'),
    TemporaryDirectory: join(dir, 'tmp'),
    StorageCompression: false,
    HttpServerEnabled: true,
    HttpPort: port,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: true, WadoRoot: '/wado', Ssl: false, StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
    LuaScripts: [],
    SaveJobs: false,
    HttpCompressionEnabled: false,
    KeepAlive: true,
    ConcurrentJobs: 1,
    HttpThreadsCount: 8,
  };
  writeFileSync(join(dir, 'orthanc.json'), JSON.stringify(config));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const logFile = join(dir, 'orthanc.log');
  const start = async (): Promise<void> => {
    child = spawn(ORTHANC, [`--logfile=${logFile}`, join(dir, 'orthanc.json')], { stdio: 'ignore' });
    const until = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Orthanc exited (${child.exitCode}): ${log().slice(-1000)}`);
      try {
        const r = await fetch(`${url}/system`);
        if (r.ok) {
          await r.arrayBuffer();
          return;
        }
      } catch {
        /* not up yet */
      }
      if (Date.now() > until) throw new Error(`Orthanc did not start: ${log().slice(-1000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const log = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const kill = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await start();
  t.teardown(async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    url,
    dicomweb: `${url}/dicom-web`,
    wado: `${url}/wado`,
    kill,
    start,
    log,
    async upload(files) {
      for (const f of files) {
        const body = typeof f === 'string' ? readFileSync(f) : f;
        const r = await fetch(`${url}/instances`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/dicom' } });
        if (!r.ok) throw new Error(`Orthanc refused an upload: HTTP ${r.status} ${await r.text()}`);
        await r.arrayBuffer();
      }
    },
    async get(path) {
      const r = await fetch(`${url}${path}`);
      if (!r.ok) throw new Error(`Orthanc GET ${path}: HTTP ${r.status}`);
      return r.json();
    },
  };
}
