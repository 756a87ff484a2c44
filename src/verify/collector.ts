// Gathers a run's findings: once each, counted by code and severity, the list cut at a maximum.

import type { Found } from './check.js';
import type { Finding, FindingCode, Severity } from './types.js';

const SEVERITY: Record<FindingCode, Severity> = {
  RESIDUAL_IDENTIFIER: 'error',
  PRIVATE_LEFT: 'error',
  ATTRIBUTE_LEFT: 'error',
  UID_NOT_REMAPPED: 'error',
  UID_MAPPING_INCONSISTENT: 'error',
  UID_COLLISION: 'error',
  REFERENCE_BROKEN: 'error',
  PATH_IDENTIFIER: 'error',
  META_INCONSISTENT: 'error',
  DATE_SHIFT_INCONSISTENT: 'error',
  PIXEL_CHANGED: 'error',
  MARKS_MISSING: 'error',
  INVALID: 'error',
  // identifier-like text found by the detectors in a kept text value: for a reviewer, not proof
  TEXT_IDENTIFIER: 'warning',
  UNPAIRED: 'warning',
};

export class Collector {
  readonly findings: Finding[] = [];
  readonly counts: Partial<Record<FindingCode, number>> = {};
  /** Findings of error severity, by code. */
  readonly errorCounts: Partial<Record<FindingCode, number>> = {};
  errors = 0;
  warnings = 0;
  private seen = new Set<string>();
  constructor(private readonly max: number) {}

  add({ code, severity = SEVERITY[code], ...f }: Found): void {
    const key = `${code}|${f.output ?? f.input ?? ''}|${f.path ?? ''}|${f.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.counts[code] = (this.counts[code] ?? 0) + 1;
    if (severity === 'error') {
      this.errors++;
      this.errorCounts[code] = (this.errorCounts[code] ?? 0) + 1;
    } else this.warnings++;
    if (this.findings.length < this.max) this.findings.push({ code, severity, ...f });
  }

  addAll(found: Iterable<Found>): void {
    for (const f of found) this.add(f);
  }
}
