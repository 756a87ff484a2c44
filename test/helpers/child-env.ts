/** The environment for a child process without tap's loaders and process-info hooks. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'NODE_OPTIONS' || k.startsWith('TAP') || k.startsWith('_TAP')) continue;
    env[k] = v;
  }
  return env;
}
