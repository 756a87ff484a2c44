// The IDIS web API from the client side: the calls anonapi makes (../shared/api/README.md §1.8),
// with its status-code handling (§1.3) turned into ClientError / ApiError.

import { idisCall, type FormParams, type IdisResponse } from './idis-client.js';
import { ClientError } from './errors.js';
import type { ActiveServer, ClientSettings } from './settings.js';

export type Job = Record<string, unknown> & { job_id: number | string; status: string; error: string | null };

/** The server answered 400 {"errors": {...}}. */
export class ApiError extends ClientError {
  constructor(
    readonly errors: Record<string, unknown>,
    raw: string,
  ) {
    super(
      `API returns errors: ${
        Object.entries(errors)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join('; ') || raw
      }`,
    );
  }
}

export class ServerNotResponding extends ClientError {}

export class IdisApi {
  constructor(
    readonly server: ActiveServer,
    private readonly auth: { user: string; token: string },
  ) {}

  static fromSettings(s: ClientSettings, server: ActiveServer): IdisApi {
    return new IdisApi(server, { user: s.user_name, token: s.user_token });
  }

  private async call(fn: string, method: 'GET' | 'POST', params: FormParams = {}): Promise<unknown> {
    let r: IdisResponse;
    try {
      r = await idisCall(this.server.url, fn, method, params, this.auth);
    } catch (e) {
      throw new ServerNotResponding(`server '${this.server.name}' (${this.server.url}) cannot be reached: ${(e as Error).message}`);
    }
    const where = `${this.server.url}/${fn}`;
    switch (r.status) {
      case 200:
        if (r.json === undefined) throw new ClientError(`response from ${where} was not JSON. Is this a web API url?`);
        return r.json;
      case 404: {
        const j = r.json as Record<string, unknown> | undefined;
        if (j === undefined) throw new ClientError(`response from ${where} was not JSON. Is this a web API url?`);
        if (j === null || typeof j !== 'object' || !('documentation' in j)) throw new ClientError(`404 from ${where} and no documentation found. Is this a web API url?`);
        return j;
      }
      case 401:
        throw new ClientError(`${where} returned 401 - Unauthorized. Your credentials do not seem to work (anon settings user info)`);
      case 400: {
        const j = r.json as { errors?: Record<string, unknown> } | undefined;
        if (j === undefined) throw new ClientError(`response from ${where} was not JSON. Is this a web API url?`);
        throw new ApiError(j.errors ?? {}, r.body);
      }
      case 405:
        throw new ClientError(`${where}: 405 - Method not allowed`);
      default:
        throw new ClientError(`unexpected response from ${where}: code '${r.status}'`);
    }
  }

  async documentation(): Promise<unknown> {
    const j = (await this.call('', 'GET')) as Record<string, unknown>;
    if (!j || typeof j !== 'object' || !('documentation' in j)) throw new ClientError('no documentation in the answer of the server root');
    return j.documentation;
  }

  async jobs(): Promise<Job[]> {
    return Object.values((await this.call('get_jobs', 'GET')) as Record<string, Job>);
  }

  async job(id: string): Promise<Job> {
    return (await this.call('get_job', 'GET', { job_id: id })) as Job;
  }

  async jobsList(ids: string[], extended = false): Promise<Job[]> {
    if (ids.length === 0) return [];
    return Object.values((await this.call(extended ? 'get_jobs_list_extended' : 'get_jobs_list', 'GET', { job_ids: ids })) as Record<string, Job>);
  }

  async cancel(id: string): Promise<unknown> {
    return this.call('cancel_job', 'POST', { job_id: id });
  }

  async reset(id: string): Promise<unknown> {
    return this.call('modify_job', 'POST', { job_id: id, status: 'ACTIVE', files_downloaded: 0, files_processed: 0, error: ' ' });
  }

  async setOptOutIgnore(id: string, reason: string): Promise<unknown> {
    return this.call('modify_job', 'POST', { job_id: id, source_ignore_opt_out: true, source_ignore_opt_out_reason: `Reason: ${reason}` });
  }

  async createJob(params: FormParams): Promise<Job> {
    return (await this.call('create_job', 'POST', params)) as Job;
  }
}
