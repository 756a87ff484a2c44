// The review page: the token (from the URL fragment anon review prints, or typed), the list, one image.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Api, ApiError, type ListEntry } from './api.js';
import { Jobs, RUNS } from './jobs.js';
import { ItemList } from './list.js';
import { Viewer } from './viewer.js';

const KEY = 'anonflow-review-token';

function initialToken(): string {
  const m = /[#&]token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY) ?? '';
}

function Login({ done }: { done: (t: string) => void }) {
  const [t, setT] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        sessionStorage.setItem(KEY, t);
        done(t);
      }}
    >
      <label for="token">Access token</label>
      <input id="token" type="password" autocomplete="off" value={t} onInput={(e) => setT((e.target as HTMLInputElement).value)} />
      <button type="submit">Sign in</button>
    </form>
  );
}

function App() {
  const [token, setToken] = useState(initialToken);
  const [items, setItems] = useState<ListEntry[]>();
  const [open, setOpen] = useState<string>();
  const [message, say] = useState('');
  const [view, setView] = useState<'review' | 'jobs'>('review');
  // inside anon serve its jobs can be shown too; anon review has none (404)
  const [hasJobs, setHasJobs] = useState(false);
  const api = new Api(token);
  useEffect(() => {
    if (token)
      api.json(`${RUNS}/`).then(
        () => setHasJobs(true),
        () => setHasJobs(false),
      );
  }, [token]);
  const load = () =>
    api.json<{ items: ListEntry[] }>('items').then(
      (r) => setItems(r.items),
      (e: Error) => {
        if (e instanceof ApiError && e.status === 401) setToken('');
        say(e.message);
      },
    );
  useEffect(() => {
    if (token && !open) void load();
  }, [token, open]);
  return (
    <main>
      <h1>anonflow review</h1>
      <p role="status" aria-live="polite" class="status">
        {message}
      </p>
      {token && hasJobs ? (
        <nav aria-label="Views">
          <button type="button" aria-pressed={view === 'review'} onClick={() => setView('review')}>
            Quarantined images
          </button>
          <button type="button" aria-pressed={view === 'jobs'} onClick={() => setView('jobs')}>
            Jobs
          </button>
        </nav>
      ) : null}
      {!token ? (
        <Login done={setToken} />
      ) : view === 'jobs' && hasJobs ? (
        <Jobs api={api} />
      ) : open ? (
        <Viewer api={api} id={open} back={() => setOpen(undefined)} say={say} />
      ) : items ? (
        <ItemList api={api} items={items} open={setOpen} />
      ) : (
        <p>Loading…</p>
      )}
    </main>
  );
}

render(<App />, document.getElementById('app')!);
