import { useEffect, useState } from 'preact/hooks';
import type { Api, ListEntry } from './api.js';

function Thumbnail({ api, id, index }: { api: Api; id: string; index: number }) {
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    let url: string | undefined;
    api.image(`items/${id}/thumbnail.png`).then(
      (u) => setSrc((url = u)),
      () => setSrc(undefined),
    );
    return () => url && URL.revokeObjectURL(url);
  }, [id]);
  return src ? <img class="thumb" src={src} alt={`thumbnail of quarantined image ${index + 1}`} /> : <span class="thumb">no preview</span>;
}

/** The quarantined images, filterable by reason. */
export function ItemList({ api, items, open }: { api: Api; items: ListEntry[]; open: (id: string) => void }) {
  const [reason, setReason] = useState('');
  const reasons = [...new Set(items.map((i) => i.reason))].sort();
  const shown = reason ? items.filter((i) => i.reason === reason) : items;
  return (
    <section aria-labelledby="list-title">
      <h2 id="list-title">Quarantined images ({shown.length})</h2>
      <label for="reason-filter">Filter by reason </label>
      <select id="reason-filter" value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value)}>
        <option value="">all reasons</option>
        {reasons.map((r) => (
          <option value={r}>{r}</option>
        ))}
      </select>
      <table>
        <thead>
          <tr>
            <th scope="col">Image</th>
            <th scope="col">Reason</th>
            <th scope="col">Modality</th>
            <th scope="col">SOP class</th>
            <th scope="col">Review</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((it, i) => (
            <tr key={it.id} data-id={it.id}>
              <td>
                <Thumbnail api={api} id={it.id} index={i} />
              </td>
              <td>{it.reason}</td>
              <td>{it.modality ?? '—'}</td>
              <td>{it.sopClass ?? '—'}</td>
              <td>{it.review ? `${it.review.action} by ${it.review.reviewer}${it.review.note ? `: ${it.review.note}` : ''}` : 'not reviewed'}</td>
              <td>
                <button type="button" onClick={() => open(it.id)}>
                  Review image {i + 1}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
