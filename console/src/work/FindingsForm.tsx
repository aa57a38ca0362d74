// The investigators' findings form: a responsibility for each party of the incident (or none
// assessed), the evidence items each rests on, a note, and a conclusion. POST
// /v1/incidents/{id}/findings adds a set of findings; earlier ones stay.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { type Answer, api, unwrap } from '../api/client.js';
import { partyRoleLabel } from './incident-words.js';
import { OrgName } from './OrgName.js';
import { Failure } from './Problem.js';

type Incident = Answer<'/v1/incidents/{incidentId}'>;
type Responsibility = 'primary' | 'contributing' | 'none';
type Assessment = { responsibility: Responsibility | ''; basis: string[]; note: string };

export function FindingsForm({ incident, onRecorded }: { incident: Incident; onRecorded: () => void }) {
  const formId = useId();
  const queryClient = useQueryClient();
  const parties = incident.parties;
  const [conclusion, setConclusion] = useState('');
  const [assessments, setAssessments] = useState<Assessment[]>(() =>
    parties.map(() => ({ responsibility: '', basis: [], note: '' })),
  );
  const [problem, setProblem] = useState<string | null>(null);
  const update = (index: number, change: Partial<Assessment>) =>
    setAssessments((all) => all.map((a, i) => (i === index ? { ...a, ...change } : a)));

  const record = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/incidents/{incidentId}/findings', {
          params: { path: { incidentId: incident.incidentId } },
          body: {
            conclusion,
            parties: parties.flatMap((party, i) => {
              const a = assessments[i];
              if (!a?.responsibility) return [];
              return [
                {
                  role: party.role,
                  orgId: party.orgId,
                  ...(party.component ? { component: party.component } : {}),
                  responsibility: a.responsibility,
                  basis: a.basis,
                  note: a.note.trim() === '' ? null : a.note.trim(),
                },
              ];
            }),
          },
        }),
      ),
    onSuccess: async (updated) => {
      queryClient.setQueryData(['incident', incident.incidentId], updated);
      setConclusion('');
      setAssessments(parties.map(() => ({ responsibility: '', basis: [], note: '' })));
      onRecorded();
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    // Said here rather than as the platform's schema error: the form knows which field is missing.
    if (!assessments.some((a) => a.responsibility)) {
      setProblem('Assess the responsibility of at least one party.');
      return;
    }
    setProblem(null);
    record.mutate();
  };

  return (
    <form className="work-form" onSubmit={onSubmit} aria-labelledby={`${formId}-title`}>
      <span id={`${formId}-title`} className="visually-hidden">
        Findings
      </span>
      {parties.map((party, i) => {
        const prefix = `${formId}-${i}`;
        const a = assessments[i] ?? { responsibility: '', basis: [], note: '' };
        return (
          <fieldset key={`${party.role}-${party.orgId}-${party.component ?? ''}`}>
            <legend>
              {partyRoleLabel(party.role)} <OrgName id={party.orgId} />
              {party.component ? ` (${party.component})` : ''}
            </legend>
            <div>
              <label htmlFor={`${prefix}-responsibility`}>Responsibility</label>
              <select
                id={`${prefix}-responsibility`}
                value={a.responsibility}
                onChange={(event) => update(i, { responsibility: event.target.value as Responsibility | '' })}
              >
                <option value="">Not assessed</option>
                <option value="primary">Primary</option>
                <option value="contributing">Contributing</option>
                <option value="none">None</option>
              </select>
            </div>
            <div>
              <label htmlFor={`${prefix}-note`}>Note</label>
              <input
                id={`${prefix}-note`}
                value={a.note}
                onChange={(event) => update(i, { note: event.target.value })}
              />
            </div>
            {incident.evidence.items.length > 0 ? (
              <fieldset className="basis">
                <legend>Based on</legend>
                {incident.evidence.items.map((item) => (
                  <div className="check" key={item.itemId}>
                    <input
                      type="checkbox"
                      id={`${prefix}-${item.itemId}`}
                      checked={a.basis.includes(item.itemId)}
                      onChange={(event) =>
                        update(i, {
                          basis: event.target.checked
                            ? [...a.basis, item.itemId]
                            : a.basis.filter((id) => id !== item.itemId),
                        })
                      }
                    />
                    <label htmlFor={`${prefix}-${item.itemId}`}>
                      {item.filename ?? item.kind} (ledger index {item.ledgerIndex})
                    </label>
                  </div>
                ))}
              </fieldset>
            ) : null}
          </fieldset>
        );
      })}
      <label htmlFor={`${formId}-conclusion`}>Conclusion</label>
      <textarea
        id={`${formId}-conclusion`}
        required
        value={conclusion}
        onChange={(event) => setConclusion(event.target.value)}
      />
      <button type="submit" disabled={record.isPending}>
        Record findings
      </button>
      {problem ? (
        <p role="alert" className="problem">
          {problem}
        </p>
      ) : null}
      <Failure what="The findings were not recorded" error={record.error} />
    </form>
  );
}
