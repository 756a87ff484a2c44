// The page's calls to the review API: JSON with the bearer token, images as blob URLs (an <img>
// cannot send an Authorization header).

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  frame?: number;
  confidence?: number;
  identifier?: boolean;
}

export interface ReviewEntry {
  action: 'released' | 'rejected';
  reviewer: string;
  at: string;
  note?: string;
  output?: string;
}

export interface ListEntry {
  id: string;
  reason: string;
  source: 'watch' | 'run' | 'job';
  modality?: string;
  sopClass?: string;
  review?: ReviewEntry;
}

export interface Detail {
  id: string;
  reason: string;
  rows: number;
  columns: number;
  frames: number;
  attributes: Record<string, string>;
  identifiers?: Record<string, string>;
  decision: { kind: string; rule?: string; reason?: string; regions?: Box[] };
  boxes: Box[];
  review?: ReviewEntry;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const base = new URL('api/', location.href.replace(/#.*$/, '')).pathname;

export class Api {
  constructor(private readonly token: string) {}

  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    if (init.body) headers['Content-Type'] = 'application/json';
    // '/…': anon serve's own API (the jobs view); else the review API
    const res = await fetch(path.startsWith('/') ? path : base + path, { ...init, headers, cache: 'no-store' });
    if (!res.ok) {
      let message = res.statusText;
      try {
        const body = (await res.json()) as { error?: { message?: string }; errors?: Record<string, string> };
        message = body.error?.message ?? Object.values(body.errors ?? {}).join('; ') ?? message;
      } catch {
        /* not JSON */
      }
      throw new ApiError(res.status, message);
    }
    return res;
  }

  async json<T>(path: string, body?: unknown): Promise<T> {
    const res = await this.call(path, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    return (await res.json()) as T;
  }

  async image(path: string): Promise<string> {
    return URL.createObjectURL(await (await this.call(path)).blob());
  }
}
