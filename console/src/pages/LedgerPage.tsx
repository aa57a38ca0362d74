// The ledger explorer: the latest signed checkpoint, and an inclusion check made in this browser
// (ledger/browser-verify.ts): the checkpoint's signature under the log key, the entry's leaf hash
// from its own bytes, and the proof from that leaf to the checkpoint's root.
import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api, unwrap } from '../api/client.js';
import { ageLabel } from '../format.js';
import { verifyInclusionInBrowser } from '../ledger/browser-verify.js';

async function text(path: string): Promise<{ body: string; lastModified: string | null }> {
  const response = await fetch(path, { headers: { accept: 'text/plain' } });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return { body: await response.text(), lastModified: response.headers.get('last-modified') };
}

function parseBody(note: string) {
  const [origin, size, root] = note.split('\n');
  return { origin: origin ?? '', size: Number(size), root: root ?? '' };
}

export function LedgerPage() {
  const fieldId = useId();
  const [index, setIndex] = useState('');
  const checkpoint = useQuery({ queryKey: ['checkpoint'], queryFn: () => text('/v1/ledger/checkpoint') });
  const check = useMutation({
    mutationFn: async (entryIndex: number) => {
      const [key, note] = await Promise.all([text('/v1/ledger/key'), text('/v1/ledger/checkpoint')]);
      const size = parseBody(note.body).size;
      if (!(entryIndex < size))
        throw new Error(`entry ${entryIndex} is not in the latest checkpoint (size ${size})`);
      const entry = unwrap(
        await api.GET('/v1/ledger/entries/{index}', { params: { path: { index: entryIndex } } }),
      );
      const proof = unwrap(
        await api.GET('/v1/ledger/proofs/inclusion', {
          params: { query: { index: entryIndex, treeSize: size } },
        }),
      );
      return verifyInclusionInBrowser({
        logKey: key.body,
        checkpointNote: note.body,
        index: entryIndex,
        entry: entry.entry,
        proof: proof.proof,
      });
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    check.mutate(Number(index));
  };
  const body = checkpoint.data ? parseBody(checkpoint.data.body) : undefined;
  const signedAt = checkpoint.data?.lastModified ? new Date(checkpoint.data.lastModified) : undefined;

  return (
    <section>
      <h1>Ledger</h1>
      <h2>Latest checkpoint</h2>
      {checkpoint.isError ? <p className="problem">{checkpoint.error.message}</p> : null}
      {body ? (
        <dl className="facts">
          <div>
            <dt>Size</dt>
            <dd>{body.size} entries</dd>
          </div>
          <div>
            <dt>Age</dt>
            <dd>{signedAt ? `signed ${ageLabel(signedAt, new Date())}` : 'unknown'}</dd>
          </div>
          <div>
            <dt>Log</dt>
            <dd>{body.origin}</dd>
          </div>
          <div>
            <dt>Root hash</dt>
            <dd className="mono">{body.root}</dd>
          </div>
        </dl>
      ) : (
        <p>Loading…</p>
      )}
      <h2>Check that an entry is in the ledger</h2>
      <p>
        Your browser fetches the entry, its inclusion proof, the checkpoint and the log's public key, and
        checks them itself: nothing is taken on the platform's word.
      </p>
      <form onSubmit={onSubmit} className="inline-form">
        <label htmlFor={fieldId}>Entry index</label>
        <input
          id={fieldId}
          inputMode="numeric"
          pattern="[0-9]+"
          required
          value={index}
          onChange={(event) => setIndex(event.target.value)}
        />
        <button type="submit" disabled={check.isPending}>
          Check inclusion
        </button>
      </form>
      <section aria-label="Inclusion result" aria-live="polite" className="result">
        {check.isPending ? <p>Verifying…</p> : null}
        {check.isError ? <p className="problem">Not verified: {check.error.message}</p> : null}
        {check.data ? (
          <p className="ok">
            Verified in your browser: entry {index} is included in the checkpoint of size{' '}
            {check.data.checkpoint.size}, signed by the log's key.
          </p>
        ) : null}
      </section>
    </section>
  );
}
