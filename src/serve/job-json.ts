// Jobs on the wire: JobCore (the ten keys anonapi indexes directly) and JobExtended (with source
// and destination), ../shared/api/README.md §1.5. Lists are objects keyed by job id, never arrays.

import type { JobRow } from './store.js';

const CORE = ['job_id', 'date', 'user_name', 'status', 'error', 'description', 'project_name', 'priority', 'files_downloaded', 'files_processed'] as const;

export function jobCore(j: JobRow): Record<string, unknown> {
  return Object.fromEntries(CORE.map((k) => [k, j[k] ?? null]));
}

export function jobExtended(j: JobRow): Record<string, unknown> {
  return {
    ...jobCore(j),
    files_quarantined: j.files_quarantined,
    destination_id: j.job_id,
    destination_name: j.destination_name,
    destination_path: j.destination_path,
    destination_network: j.destination_network,
    destination_status: 'BASE',
    destination_type: j.destination_type,
    source_id: j.job_id,
    source_instance_id: j.source_instance_id,
    source_status: 'NEW',
    source_type: j.source_type,
    source_anonymizedpatientid: j.source_anonymizedpatientid,
    source_anonymizedpatientname: j.source_anonymizedpatientname,
    source_pims_keyfile_id: j.source_pims_keyfile_id,
    source_name: j.source_name,
    source_path: j.source_path,
    source_protocol: null,
    source_subject: null,
    source_sop_class_filter_list: j.source_sop_class_filter_list,
  };
}

export const keyed = (rows: JobRow[], f: (j: JobRow) => Record<string, unknown>): Record<string, unknown> => Object.fromEntries(rows.map((j) => [String(j.job_id), f(j)]));
