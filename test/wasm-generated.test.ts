import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cleanEnv } from './helpers/child-env.js';
import { ROOT } from './helpers/root.js';
import { WASM_BYTES as NEEDLE_SEARCH } from '../src/dicom/needle-search.wasm.generated.js';
import { WASM_BYTES as TAG_SCAN } from '../src/dicom/tag-scan.wasm.generated.js';

/** Every WebAssembly text kernel below src/, relative to the repo root. */
function watFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? watFiles(join(dir, e.name)) : e.name.endsWith('.wat') ? [join(dir, e.name)] : []));
}

const kernels = watFiles('src');
const tmp = mkdtempSync(join(tmpdir(), 'anonflow-gen-wasm-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

t.test('gen-wasm regenerated into a temp dir → every *.wasm.generated.ts byte-identical to the committed one', async (t) => {
  t.ok(kernels.length >= 1, `kernels found: ${kernels.join(', ')}`);
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/gen-wasm.mjs'), '--out', tmp], { encoding: 'utf8', env: cleanEnv(), cwd: ROOT });
  t.equal(r.status, 0, r.stderr);
  for (const wat of kernels) {
    const rel = wat.replace(/\.wat$/, '.wasm.generated.ts');
    t.ok(readFileSync(join(tmp, rel)).equals(readFileSync(join(ROOT, rel))), `${rel} is up to date (run npm run gen)`);
  }
});

t.test('each generated kernel → a valid WebAssembly module that compiles with SIMD in this Node', async (t) => {
  const modules: Record<string, Uint8Array<ArrayBuffer>> = { 'src/dicom/needle-search.wat': new Uint8Array(NEEDLE_SEARCH), 'src/dicom/tag-scan.wat': new Uint8Array(TAG_SCAN) };
  t.same(Object.keys(modules).sort(), [...kernels].sort(), 'every kernel below src/ is checked here');
  for (const [wat, bytes] of Object.entries(modules)) {
    t.ok(WebAssembly.validate(bytes), `${wat} validates`);
    t.ok(new WebAssembly.Module(bytes) instanceof WebAssembly.Module, `${wat} compiles`);
  }
});
