// A section whose page is not written yet: says so plainly instead of a blank screen.
export function PlannedPage({ title }: { title: string }) {
  return (
    <section>
      <h1>{title}</h1>
      <p>This page is not in the console yet; the REST API (see /docs) already answers it.</p>
    </section>
  );
}
