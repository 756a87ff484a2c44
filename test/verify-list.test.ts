// The files verify reads under a tree: links followed as a reader would follow them, each folder
// entered once, a link to nothing skipped.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { listFiles } from '../src/verify/pair.js';
import { tempDir } from './helpers/tmp.js';

t.test('listFiles on a tree with two link loops, a dangling link, a linked folder and a linked file → each file once, sorted, no error', async (t) => {
  const d = tempDir(t, 'verify-list');
  const tree = join(d, 'tree');
  mkdirSync(join(tree, 'a', 'b'), { recursive: true });
  writeFileSync(join(tree, 'a', 'one.dcm'), '1');
  writeFileSync(join(tree, 'a', 'b', 'two.dcm'), '2');
  writeFileSync(join(d, 'outside.dcm'), 'x');
  // two loops per folder: 2^40 paths if each were entered anew
  symlinkSync(tree, join(tree, 'a', 'loop1'));
  symlinkSync(join(tree, 'a'), join(tree, 'a', 'b', 'loop2'));
  symlinkSync(join(d, 'nowhere'), join(tree, 'dangling.dcm'));
  symlinkSync(join(d, 'outside.dcm'), join(tree, 'linked.dcm'));
  mkdirSync(join(tree, '.anonflow-tmp'));
  writeFileSync(join(tree, '.anonflow-tmp', 'partial.tmp'), 'p');
  t.same(listFiles(tree), [join(tree, 'a', 'b', 'two.dcm'), join(tree, 'a', 'one.dcm'), join(tree, 'linked.dcm')]);
});

t.test('listFiles on a file → that file', async (t) => {
  const d = tempDir(t, 'verify-list');
  writeFileSync(join(d, 'f.dcm'), '1');
  t.same(listFiles(join(d, 'f.dcm')), [join(d, 'f.dcm')]);
});
