/** The journal steps a crash can be injected at. */
export type CrashPoint = 'claim' | 'output' | 'outcome' | 'move';

/**
 * Test-only fault injection: ANONFLOW_WATCH_CRASH=<point>[@n] kills the process with SIGKILL at
 * the n-th time (default first) it reaches <point>.
 */
export function crashHook(): (point: CrashPoint) => void {
  const spec = process.env.ANONFLOW_WATCH_CRASH;
  if (!spec) return () => {};
  const [point, n] = spec.split('@');
  let left = Number(n ?? 1);
  return (p) => {
    if (p === point && --left <= 0) process.kill(process.pid, 'SIGKILL');
  };
}
