// A failed request or action, in words, announced to screen readers.
export function Failure({ what, error }: { what: string; error: Error | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="problem">
      {what}: {error.message}
    </p>
  );
}
