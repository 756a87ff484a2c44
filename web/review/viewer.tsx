// One quarantined image: frames, the boxes anonflow found, the header attributes the decision
// used (identifiers only on request), and the decisions: release, reject, apply to all like this.

import { useEffect, useState } from 'preact/hooks';
import type { Api, Box, Detail } from './api.js';
import { Editor } from './editor.js';

interface Props {
  api: Api;
  id: string;
  back: () => void;
  say: (msg: string) => void;
}

const initialBoxes = (d: Detail): Box[] => [
  ...d.boxes,
  ...(d.decision.regions ?? []).map((r) => ({ x: r.x, y: r.y, width: Math.min(r.width, d.columns - r.x), height: Math.min(r.height, d.rows - r.y) })),
];

export function Viewer({ api, id, back, say }: Props) {
  const [detail, setDetail] = useState<Detail>();
  const [identifiers, setIdentifiers] = useState(false);
  const [frame, setFrame] = useState(1);
  const [src, setSrc] = useState<string>();
  const [boxes, setBoxes] = useState<Box[]>([]);
  const [selected, select] = useState(-1);
  const [note, setNote] = useState('');
  const [profile, setProfile] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.json<Detail>(`items/${id}${identifiers ? '?identifiers=1' : ''}`).then(
      (d) => {
        setDetail(d);
        setBoxes((old) => (old.length || detail ? old : initialBoxes(d)));
      },
      (e: Error) => say(e.message),
    );
  }, [id, identifiers]);
  useEffect(() => {
    let url: string | undefined;
    setSrc(undefined);
    api.image(`items/${id}/frames/${frame}.png`).then(
      (u) => setSrc((url = u)),
      (e: Error) => say(e.message),
    );
    return () => url && URL.revokeObjectURL(url);
  }, [id, frame]);

  if (!detail) return <p>Loading…</p>;
  const act = async (what: string, fn: () => Promise<string>) => {
    setBusy(true);
    try {
      say(await fn());
    } catch (e) {
      say(`${what} failed: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const masks = boxes.map(({ x, y, width, height, frame: f }) => ({ x, y, width, height, ...(f ? { frame: f } : {}) }));
  const addBox = () => {
    const w = Math.max(1, Math.round(detail.columns / 5));
    const h = Math.max(1, Math.round(detail.rows / 10));
    setBoxes([...boxes, { x: Math.round((detail.columns - w) / 2), y: Math.round((detail.rows - h) / 2), width: w, height: h }]);
    select(boxes.length);
  };

  return (
    <section aria-labelledby="viewer-title">
      <button type="button" onClick={back}>
        Back to the list
      </button>
      <h2 id="viewer-title">Quarantined image</h2>
      <p class="reason">Reason: {detail.reason}</p>
      <p>
        {detail.decision.kind === 'mask' ? `Mask rule that matched: ${detail.decision.rule}.` : 'No mask rule of the profile matched.'}
        {detail.boxes.length ? ` Text boxes found: ${detail.boxes.length} (dashed).` : ''}
        {detail.review ? ` Last decision: ${detail.review.action} by ${detail.review.reviewer}${detail.review.note ? ` (${detail.review.note})` : ''}.` : ''}
      </p>
      <div class="frames" role="group" aria-label="Frames">
        <button type="button" disabled={frame <= 1} onClick={() => setFrame(frame - 1)}>
          Previous frame
        </button>
        <span aria-live="polite">
          Frame {frame} of {detail.frames}
        </span>
        <button type="button" disabled={frame >= detail.frames} onClick={() => setFrame(frame + 1)}>
          Next frame
        </button>
      </div>
      <div class="work">
        <Editor src={src} columns={detail.columns} rows={detail.rows} frame={frame} boxes={boxes} setBoxes={setBoxes} selected={selected} select={select} />
        <aside>
          <h3>Mask rectangles</h3>
          <button type="button" onClick={addBox}>
            Add rectangle
          </button>
          <ul class="boxes">
            {boxes.map((b, i) => (
              <li key={i}>
                <button type="button" aria-pressed={i === selected} onClick={() => select(i)}>
                  {`Rectangle ${i + 1}: x ${b.x}, y ${b.y}, ${b.width} × ${b.height}${b.frame ? `, frame ${b.frame}` : ''}`}
                </button>
                <button type="button" aria-label={`Delete rectangle ${i + 1}`} onClick={() => (setBoxes(boxes.filter((_, j) => j !== i)), select(-1))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
          <h3>Header attributes</h3>
          <label>
            <input type="checkbox" checked={identifiers} onChange={(e) => setIdentifiers((e.target as HTMLInputElement).checked)} /> Show identifiers
          </label>
          <dl class="attrs">{Object.entries({ ...detail.attributes, ...(identifiers ? (detail.identifiers ?? {}) : {}) }).map(([k, v]) => [<dt>{k}</dt>, <dd>{v}</dd>])}</dl>
        </aside>
      </div>
      <div class="decide">
        <button
          type="button"
          class="primary"
          disabled={busy || boxes.length === 0}
          onClick={() =>
            act('Release', async () => {
              const r = await api.json<{ output: string }>(`items/${id}/release`, { boxes: masks });
              back();
              return `Released: written as ${r.output}`;
            })
          }
        >
          Release with these masks
        </button>
        <div>
          <label for="note">Note</label>
          <input id="note" value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
          <button
            type="button"
            disabled={busy || !note}
            onClick={() => act('Reject', async () => (await api.json(`items/${id}/reject`, { note }), 'Rejected: kept in quarantine with the note'))}
          >
            Reject
          </button>
        </div>
        <div>
          <label for="profile-name">Profile name</label>
          <input id="profile-name" value={profile} onInput={(e) => setProfile((e.target as HTMLInputElement).value)} />
          <button
            type="button"
            disabled={busy || !profile || boxes.length === 0}
            onClick={() => act('Saving the rule', async () => (await api.json(`items/${id}/mask-rule`, { profile, boxes: masks }), `Saved the mask rule into profile ${profile}`))}
          >
            Apply to all images like this one
          </button>
        </div>
      </div>
    </section>
  );
}
