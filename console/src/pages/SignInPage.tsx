// Sign in with an organisation's API key. The key is checked with GET /v1/me before the
// console takes it, and is kept in this tab's sessionStorage only (session.ts).
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { api } from '../api/client.js';
import { signIn, signOut } from '../session.js';

export function SignInPage() {
  const fieldId = useId();
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const trimmed = key.trim();
    // Ask /v1/me with the key before keeping it: a wrong key is refused here, not on every page.
    const answer = await api.GET('/v1/me', { headers: { authorization: `Bearer ${trimmed}` } });
    setBusy(false);
    if (!answer.response.ok || !answer.data) {
      signOut();
      setProblem(
        answer.response.status === 401 ? 'This API key is not valid.' : 'Sign-in failed; try again.',
      );
      return;
    }
    queryClient.clear();
    signIn(trimmed);
    setKey('');
    await navigate({ to: '/fleet' });
  };

  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <p>
        Use your organisation's API key. It is kept for this browser tab only and forgotten when you sign out.
      </p>
      <form onSubmit={onSubmit}>
        <label htmlFor={fieldId}>API key</label>
        <input
          id={fieldId}
          type="password"
          autoComplete="off"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          required
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${fieldId}-problem` : undefined}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {problem ? (
        <p id={`${fieldId}-problem`} role="alert" className="problem">
          {problem}
        </p>
      ) : null}
    </section>
  );
}
