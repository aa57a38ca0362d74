// The public check: anyone, no sign-in. The ID is decoded in the browser as it is typed (the
// platform's own codec, src/robot-id), so a malformed ID is explained without a request; a
// well-formed one is looked up with GET /v1/public/robots/{id}.
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import {
  decodeRobotId,
  normaliseRobotIdInput,
  type RobotIdValidation,
  validateRobotId,
} from '../../../src/robot-id/index.js';
import { type Answer, api, unwrap } from '../api/client.js';
import { statusLabel } from '../format.js';

type PublicRobot = Answer<'/v1/public/robots/{robotId}'>;

function Decoded({ id }: { id: string }) {
  const decoded = decodeRobotId(id, { referenceYear: new Date().getUTCFullYear() });
  const fields: [string, string][] = [
    ['Country', `${decoded.country}`],
    ['Enterprise', decoded.enterprise],
    ['Model code', decoded.modelCode],
    ['Serial', decoded.serial],
  ];
  if ('categoryName' in decoded) {
    const rid1 = decoded as typeof decoded & {
      categoryName: string;
      levelLabel: string;
      productionYear: number;
    };
    fields.push(
      ['Category', rid1.categoryName],
      ['Intelligence level', rid1.levelLabel],
      ['Production year', String(rid1.productionYear)],
    );
  }
  return (
    <dl className="facts">
      {fields.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Problem({ validation }: { validation: Extract<RobotIdValidation, { valid: false }> }) {
  const { error, suggestion } = validation;
  return (
    <div className="problem">
      <p>
        <strong>Not a valid robot ID.</strong>{' '}
        {error.position !== undefined ? `Position ${error.position}: ` : ''}
        {error.message}
      </p>
      {suggestion ? <p>Did you mean {suggestion}?</p> : null}
    </div>
  );
}

function Registered({ robot }: { robot: PublicRobot }) {
  if (!robot.registered) return <p>This well-formed ID was never issued: no robot is registered under it.</p>;
  return (
    <dl className="facts">
      <div>
        <dt>Status</dt>
        <dd>{statusLabel(robot.status ?? '')}</dd>
      </div>
      <div>
        <dt>Manufacturer</dt>
        <dd>
          {robot.manufacturer?.name} ({robot.manufacturer?.country})
        </dd>
      </div>
      <div>
        <dt>Model</dt>
        <dd>{robot.model?.name}</dd>
      </div>
      <div>
        <dt>Incidents</dt>
        <dd>
          {robot.incidents?.count ?? 0} ({robot.incidents?.serious ?? 0} serious)
        </dd>
      </div>
      <div>
        <dt>Open recalls</dt>
        <dd>{robot.openRecalls ?? 0}</dd>
      </div>
    </dl>
  );
}

export function CheckPage() {
  const inputId = useId();
  const [input, setInput] = useState('');
  const [checked, setChecked] = useState<string | null>(null);
  const lookup = useMutation({
    mutationFn: async (robotId: string) =>
      unwrap(await api.GET('/v1/public/robots/{robotId}', { params: { path: { robotId } } })),
  });
  const typed = input.trim() === '' ? undefined : validateRobotId(normaliseRobotIdInput(input));
  const submitted = checked === null ? undefined : validateRobotId(normaliseRobotIdInput(checked));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setChecked(input);
    const validation = validateRobotId(normaliseRobotIdInput(input));
    // A malformed ID is explained from the codec alone: the platform would only say the same.
    if (validation.valid) lookup.mutate(validation.id);
    else lookup.reset();
  };

  return (
    <section>
      <h1>Check a robot</h1>
      <p>Enter a robot's 29-character ID to see whether it is registered and what its status is.</p>
      <form onSubmit={onSubmit} className="inline-form">
        <label htmlFor={inputId}>Robot ID</label>
        <input
          id={inputId}
          value={input}
          onChange={(event) => setInput(event.target.value)}
          autoComplete="off"
          spellCheck={false}
          aria-describedby={`${inputId}-decoded`}
        />
        <button type="submit">Check</button>
      </form>
      <div id={`${inputId}-decoded`} className="decoded" aria-live="polite">
        {typed?.valid ? (
          <>
            <h2>Decoded in your browser</h2>
            <Decoded id={typed.id} />
          </>
        ) : typed ? (
          <p className="hint">
            {typed.error.position !== undefined ? `Position ${typed.error.position}: ` : ''}
            {typed.error.message}
          </p>
        ) : null}
      </div>
      <section aria-label="Result" aria-live="polite" className="result">
        {submitted === undefined ? null : !submitted.valid ? (
          <Problem validation={submitted} />
        ) : lookup.isPending ? (
          <p>Checking…</p>
        ) : lookup.isError ? (
          <p className="problem">The check failed: {lookup.error.message}</p>
        ) : lookup.data ? (
          <>
            <h2>{submitted.id}</h2>
            <Registered robot={lookup.data} />
          </>
        ) : null}
      </section>
    </section>
  );
}
