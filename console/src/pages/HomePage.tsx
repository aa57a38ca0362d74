import { Link } from '@tanstack/react-router';
import { useApiKey } from '../session.js';

export function HomePage() {
  const key = useApiKey();
  return (
    <section>
      <h1>RoboLedger</h1>
      <p>
        The registry of humanoid robots: every robot's filing, lifecycle, telemetry and incidents, kept in a
        tamper-evident ledger that anyone can verify.
      </p>
      <ul className="cards">
        <li>
          <Link to="/check">Check a robot</Link>
          <p>Anyone: is a robot ID valid, registered, and in service?</p>
        </li>
        <li>
          <Link to="/ledger">Explore the ledger</Link>
          <p>Anyone: the latest signed checkpoint, and an inclusion check done in your browser.</p>
        </li>
        <li>
          {key ? <Link to="/fleet">Your fleet</Link> : <Link to="/sign-in">Sign in</Link>}
          <p>Regulators, manufacturers, operators and service organisations: with your API key.</p>
        </li>
      </ul>
    </section>
  );
}
