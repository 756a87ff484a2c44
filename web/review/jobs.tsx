// The jobs view inside anon serve: its anonymization-run resource (same Bearer token), one row a
// job with status, counts, error and progress, and the run's report; refreshed while jobs run.

import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api.js';

export const RUNS = '/api/anonymization-runs';
const POLL_MS = 2000;

interface Run {
  id: string;
  status: string;
  project_name: string;
  created_at: string;
  completed_at: string | null;
  files_downloaded: number | null;
  files_processed: number | null;
  files_quarantined: number | null;
  results: { error: string | null; samples_processed: number; entity_summary: Record<string, number> };
  anonymized_files: unknown[];
  job: { job_id: number; status: string; description: string | null };
}

const running = (r: Run): boolean => r.status === 'PENDING' || r.status === 'PROCESSING';

export function Jobs({ api }: { api: Api }) {
  const [runs, setRuns] = useState<Run[]>();
  const [error, setError] = useState('');
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const list = await api.json<{ id: string }[]>(`${RUNS}/`);
        const full = await Promise.all(list.map((r) => api.json<Run>(`${RUNS}/${r.id}`)));
        if (stop) return;
        setRuns(full.sort((a, b) => b.job.job_id - a.job.job_id));
        setError('');
        if (full.some(running)) timer = setTimeout(load, POLL_MS);
      } catch (e) {
        setError((e as Error).message);
      }
    };
    void load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, []);
  if (!runs) return <p>{error || 'Loading jobs…'}</p>;
  return (
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs ({runs.length})</h2>
      {error ? <p role="alert">{error}</p> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Project</th>
            <th scope="col">Status</th>
            <th scope="col">Downloaded</th>
            <th scope="col">Processed</th>
            <th scope="col">Quarantined</th>
            <th scope="col">Progress</th>
            <th scope="col">Error</th>
            <th scope="col">Report</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-job={r.job.job_id}>
              <td>{r.job.job_id}</td>
              <td>{r.project_name}</td>
              <td>{`${r.status} (${r.job.status})`}</td>
              <td>{r.files_downloaded ?? '—'}</td>
              <td>{r.files_processed ?? '—'}</td>
              <td>{r.files_quarantined ?? '—'}</td>
              <td>
                <progress max={r.files_downloaded || 1} value={r.files_processed ?? 0} aria-label={`progress of job ${r.job.job_id}`} />
              </td>
              <td>{r.results.error ?? ''}</td>
              <td>
                <details>
                  <summary>Report of job {r.job.job_id}</summary>
                  <pre>
                    {JSON.stringify(
                      {
                        created_at: r.created_at,
                        completed_at: r.completed_at,
                        samples_processed: r.results.samples_processed,
                        written: r.anonymized_files.length,
                        entity_summary: r.results.entity_summary,
                      },
                      null,
                      2,
                    )}
                  </pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
