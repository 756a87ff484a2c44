// The IDIS functions: verb, usage and the JSON schema of their parameters (which Fastify
// validates and which types the handlers), and the hug-style documentation built from them.

import { JOB_ID_PATTERN } from '../../job-rules.js';

const userName = { type: 'string' } as const;
const jobId = { type: 'string', pattern: JOB_ID_PATTERN } as const;
const text = { type: 'string' } as const;

export const noParams = { type: 'object', properties: { user_name: userName } } as const;

export const oneJob = { type: 'object', required: ['job_id'], properties: { job_id: jobId, user_name: userName } } as const;

export const jobList = {
  type: 'object',
  required: ['job_ids'],
  properties: { job_ids: { type: 'array', items: { type: 'string' } }, user_name: userName },
} as const;

export const createJobParams = {
  type: 'object',
  properties: {
    source_type: text,
    source_path: text,
    source_name: text,
    source_instance_id: text,
    destination_type: text,
    destination_path: text,
    project_name: text,
    anonymizedpatientid: text,
    anonymizedpatientname: text,
    description: text,
    pims_keyfile_id: text,
    priority: text,
    source_ignore_opt_out: text,
    source_ignore_opt_out_reason: text,
    source_sop_class_filter_list: text,
    user_name: userName,
  },
} as const;

/** job_id and any job field (checked by modifyJob, which names every unknown one). */
export const modifyJobParams = {
  type: 'object',
  required: ['job_id'],
  properties: { job_id: jobId, user_name: userName },
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
} as const;

interface IdisFunction {
  method: 'GET' | 'POST';
  usage: string;
  params: { properties: Record<string, unknown>; additionalProperties?: unknown };
}

export const IDIS_FUNCTIONS: Record<string, IdisFunction> = {
  get_jobs: { method: 'GET', usage: 'The 50 most recent jobs, keyed by job id', params: noParams },
  get_job: { method: 'GET', usage: 'One job with its source and destination', params: oneJob },
  get_jobs_list: { method: 'GET', usage: 'The given jobs, keyed by job id; unknown ids are left out', params: jobList },
  get_jobs_list_extended: { method: 'GET', usage: 'The given jobs with source and destination, keyed by job id; unknown ids are left out', params: jobList },
  create_job: {
    method: 'POST',
    usage: 'Create a job; source_type PATH with source_path folder:<UNC path> or fileselection:<UNC path to fileselection.txt>',
    params: createJobParams,
  },
  cancel_job: { method: 'POST', usage: 'Set a job INACTIVE (stops it if it is running)', params: oneJob },
  modify_job: {
    method: 'POST',
    usage: 'Set job fields, e.g. status=ACTIVE&files_downloaded=0&files_processed=0&error=+ (reset) or source_ignore_opt_out=True&source_ignore_opt_out_reason=...',
    params: modifyJobParams,
  },
};

export function documentation(prefix: string): Record<string, unknown> {
  const handlers: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(IDIS_FUNCTIONS)) {
    const inputs = [...Object.keys(f.params.properties), ...(f.params.additionalProperties ? ['<any job field>'] : [])];
    handlers[`${prefix === '/' ? '' : prefix}/${name}`] = { [f.method]: { usage: f.usage, inputs: Object.fromEntries(inputs.map((i) => [i, { type: 'form parameter' }])) } };
  }
  return {
    overview: 'anonflow anon serve: the IDIS web API (anonapi-compatible). Authorization: Token <token>; parameters form-encoded in the body (GET and POST).',
    handlers,
  };
}

/** hug's answer to an unknown function (anonapi's `server status` accepts it as "online"). */
export const notDefined = (prefix: string): Record<string, unknown> => ({
  404: "The API call you tried to make was not defined. Here's a definition of the API to help you get going :)",
  documentation: documentation(prefix),
});
