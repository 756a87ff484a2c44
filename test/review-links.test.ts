// A watch quarantine holds what the watch refused as it was: links to files and folders, FIFOs. The
// review lists the images of that folder only, never what a link points at.
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { listItems, reviewSource } from '../src/review/sources.js';
import { tempDir } from './helpers/tmp.js';

const reason = (why: string): string => JSON.stringify({ reason: why });

t.test('a watch quarantine with links, a linked folder, a FIFO and a link loop → only its own regular files are listed, in name order', async (t) => {
  const d = tempDir(t, 'review-links');
  const q = join(d, 'quarantine');
  const outside = join(d, 'outside');
  mkdirSync(join(q, 'sub'), { recursive: true });
  mkdirSync(join(outside, 'folder'), { recursive: true });
  // outside the quarantine: images with sidecars of their own, which a followed link would list
  writeFileSync(join(outside, 'secret.dcm'), 'DICM outside');
  writeFileSync(join(outside, 'secret.dcm.reason.json'), reason('outside'));
  writeFileSync(join(outside, 'folder', 'inner.dcm'), 'DICM outside');
  writeFileSync(join(outside, 'folder', 'inner.dcm.reason.json'), reason('outside'));
  // the quarantine's own images
  writeFileSync(join(q, 'ok.dcm'), 'DICM');
  writeFileSync(join(q, 'ok.dcm.reason.json'), reason('burned-in text'));
  writeFileSync(join(q, 'sub', 'deep.dcm'), 'DICM');
  writeFileSync(join(q, 'sub', 'deep.dcm.reason.json'), reason('burned-in text'));
  // what the watch quarantined as it was, each with its reason
  symlinkSync(join(outside, 'secret.dcm'), join(q, 'link-out.dcm'));
  writeFileSync(join(q, 'link-out.dcm.reason.json'), reason('a symbolic link'));
  symlinkSync(join(outside, 'folder'), join(q, 'linked-folder'));
  writeFileSync(join(q, 'linked-folder.reason.json'), reason('a symbolic link'));
  symlinkSync(q, join(q, 'loop'));
  t.equal(spawnSync('mkfifo', [join(q, 'pipe.dcm')]).status, 0, 'mkfifo (coreutils) made a FIFO');
  writeFileSync(join(q, 'pipe.dcm.reason.json'), reason('a FIFO'));
  // a sidecar whose file is gone (released by hand)
  writeFileSync(join(q, 'gone.dcm.reason.json'), reason('burned-in text'));
  // a sidecar that is itself a link to an outside sidecar, beside a regular file
  writeFileSync(join(q, 'sidelink.dcm'), 'DICM');
  symlinkSync(join(outside, 'secret.dcm.reason.json'), join(q, 'sidelink.dcm.reason.json'));

  const items = await listItems([reviewSource(q)]);
  t.same(
    items.map((i) => i.path),
    [join(q, 'ok.dcm'), join(q, 'sub', 'deep.dcm')],
    'the two regular images of the folder, nothing through a link',
  );
  t.same(
    items.map((i) => i.reason),
    ['burned-in text', 'burned-in text'],
  );
});

t.test('a watch quarantine folder that is empty → nothing listed', async (t) => {
  const d = tempDir(t, 'review-links');
  t.same(await listItems([reviewSource(d)]), []);
});
