// Jobs in SQLite (better-sqlite3: synchronous, one connection, WAL), so they survive restarts.

import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';

/** The five statuses of the IDIS wire protocol. UPLOADED: being processed here. */
export const JOB_STATUSES = ['INACTIVE', 'ACTIVE', 'ERROR', 'UPLOADED', 'DONE'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobRow {
  job_id: number;
  /** the job's id as an anonymization run (a UUID) */
  run_id: string;
  server: string;
  date: string;
  created_at: string;
  user_name: string;
  status: JobStatus;
  error: string | null;
  description: string | null;
  project_name: string;
  priority: number;
  files_downloaded: number | null;
  files_processed: number | null;
  files_quarantined: number | null;
  destination_type: string;
  destination_path: string | null;
  destination_name: string | null;
  destination_network: string | null;
  source_type: string;
  source_path: string | null;
  source_name: string | null;
  source_instance_id: string | null;
  source_anonymizedpatientid: string | null;
  source_anonymizedpatientname: string | null;
  source_pims_keyfile_id: string | null;
  source_ignore_opt_out: number;
  source_ignore_opt_out_reason: string | null;
  source_sop_class_filter_list: string | null;
  /** 1: a later run may continue the journal of the previous one; 0: start afresh */
  resume: number;
  started_at: string | null;
  completed_at: string | null;
}

export type NewJob = Pick<JobRow, 'server' | 'user_name' | 'project_name' | 'source_type'> &
  Partial<Omit<JobRow, 'job_id' | 'run_id' | 'date' | 'created_at' | 'status' | 'resume'>>;

/** The columns modify_job may set. */
export const MODIFIABLE = [
  'status',
  'error',
  'description',
  'project_name',
  'priority',
  'files_downloaded',
  'files_processed',
  'files_quarantined',
  'destination_type',
  'destination_path',
  'destination_name',
  'destination_network',
  'source_type',
  'source_path',
  'source_name',
  'source_instance_id',
  'source_anonymizedpatientid',
  'source_anonymizedpatientname',
  'source_pims_keyfile_id',
  'source_ignore_opt_out',
  'source_ignore_opt_out_reason',
  'source_sop_class_filter_list',
  'resume',
  'started_at',
  'completed_at',
] as const;
export type Modifiable = (typeof MODIFIABLE)[number];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  job_id INTEGER PRIMARY KEY AUTOINCREMENT,
  server TEXT NOT NULL,
  date TEXT NOT NULL,
  created_at TEXT NOT NULL,
  user_name TEXT NOT NULL,
  status TEXT NOT NULL,
  error TEXT,
  description TEXT,
  project_name TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 10,
  files_downloaded INTEGER,
  files_processed INTEGER,
  files_quarantined INTEGER,
  destination_type TEXT NOT NULL DEFAULT 'PATH',
  destination_path TEXT,
  destination_name TEXT,
  destination_network TEXT,
  source_type TEXT NOT NULL,
  source_path TEXT,
  source_name TEXT,
  source_instance_id TEXT,
  source_anonymizedpatientid TEXT,
  source_anonymizedpatientname TEXT,
  source_pims_keyfile_id TEXT,
  source_ignore_opt_out INTEGER NOT NULL DEFAULT 0,
  source_ignore_opt_out_reason TEXT,
  source_sop_class_filter_list TEXT,
  resume INTEGER NOT NULL DEFAULT 1,
  started_at TEXT,
  completed_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, priority DESC, job_id);
CREATE INDEX IF NOT EXISTS jobs_server ON jobs(server, job_id DESC);
`;

/** Local time without zone or fraction, as IDIS dates are: 2019-11-26T16:34:07. */
export function idisDate(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export class JobStore {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'jobs.sqlite'));
    this.db.pragma('journal_mode = WAL');
    for (const f of ['jobs.sqlite', 'jobs.sqlite-wal', 'jobs.sqlite-shm']) {
      try {
        chmodSync(join(dataDir, f), 0o600); // job paths and pseudonyms: the server's user only
      } catch {
        /* not created yet */
      }
    }
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // databases made before runs had UUIDs: add the column and give every job one
    if (!(this.db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[]).some((c) => c.name === 'run_id')) this.db.exec('ALTER TABLE jobs ADD COLUMN run_id TEXT');
    for (const { job_id } of this.db.prepare('SELECT job_id FROM jobs WHERE run_id IS NULL').all() as { job_id: number }[]) {
      this.db.prepare('UPDATE jobs SET run_id = ? WHERE job_id = ?').run(randomUUID(), job_id);
    }
    this.db.exec('CREATE UNIQUE INDEX IF NOT EXISTS jobs_run_id ON jobs(run_id)');
  }

  byRunId(runId: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE run_id = ?').get(runId) as JobRow | undefined;
  }

  close(): void {
    this.db.close();
  }

  create(j: NewJob): JobRow {
    const now = new Date();
    const row: Record<string, unknown> = { ...j, run_id: randomUUID(), date: idisDate(now), created_at: now.toISOString(), status: 'ACTIVE', priority: j.priority ?? 10 };
    const cols = Object.keys(row).filter((k) => row[k] !== undefined);
    const info = this.db.prepare(`INSERT INTO jobs (${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`).run(Object.fromEntries(cols.map((c) => [c, row[c]])));
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE job_id = ?').get(id) as JobRow | undefined;
  }

  /**
   * The jobs of the given ids that exist, in one server's namespace and of one owner when given
   * (ids are bound in a JSON array, so no list is too long for SQLite's parameter limit).
   */
  getMany(ids: number[], server?: string, owner?: string): JobRow[] {
    if (ids.length === 0) return [];
    const q = `SELECT * FROM jobs WHERE job_id IN (SELECT value FROM json_each(?))${server !== undefined ? ' AND server = ?' : ''}${owner !== undefined ? ' AND user_name = ?' : ''} ORDER BY job_id`;
    return this.db.prepare(q).all(JSON.stringify(ids), ...[server, owner].filter((x) => x !== undefined)) as JobRow[];
  }

  /** The latest jobs, in one server's namespace and of one owner when given. */
  recent(limit: number, server?: string, owner?: string): JobRow[] {
    const where = [server !== undefined ? 'server = ?' : '', owner !== undefined ? 'user_name = ?' : ''].filter(Boolean);
    const q = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY job_id DESC LIMIT ?`;
    return this.db.prepare(q).all(...[server, owner].filter((x) => x !== undefined), limit) as JobRow[];
  }

  update(id: number, fields: Partial<Pick<JobRow, Modifiable>>): JobRow | undefined {
    const cols = Object.keys(fields).filter((k) => (MODIFIABLE as readonly string[]).includes(k));
    if (cols.length) this.db.prepare(`UPDATE jobs SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE job_id = @job_id`).run({ ...fields, job_id: id });
    return this.get(id);
  }

  /**
   * Moves the next ACTIVE job (highest priority, oldest) not in `busy` and accepted by `may` (its
   * destination is free) to UPLOADED; undefined if none.
   */
  claimNext(busy: Set<number>, may: (j: JobRow) => boolean = () => true): JobRow | undefined {
    const tx = this.db.transaction((): JobRow | undefined => {
      const rows = this.db.prepare("SELECT * FROM jobs WHERE status = 'ACTIVE' ORDER BY priority DESC, job_id LIMIT ?").all(busy.size + 200) as JobRow[];
      const next = rows.find((r) => !busy.has(r.job_id) && may(r));
      if (!next) return undefined;
      this.db.prepare("UPDATE jobs SET status = 'UPLOADED', error = NULL, started_at = ?, completed_at = NULL WHERE job_id = ?").run(new Date().toISOString(), next.job_id);
      return this.get(next.job_id);
    });
    return tx.immediate();
  }

  /** A server that stopped mid-run left jobs UPLOADED: they are ACTIVE again, to be resumed. */
  requeueInterrupted(): number {
    return this.db.prepare("UPDATE jobs SET status = 'ACTIVE' WHERE status = 'UPLOADED'").run().changes;
  }
}
