import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import { signOut, useApiKey } from '../session.js';
import { sectionsFor, useMe } from './me.js';

export function Layout() {
  const key = useApiKey();
  const me = useMe();
  const navigate = useNavigate();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          RoboLedger
        </Link>
        {key && me.data ? (
          <nav aria-label="Console">
            <ul>
              {sectionsFor(me.data.role).map((section) => (
                <li key={section.to}>
                  <Link to={section.to} activeProps={{ 'aria-current': 'page' }}>
                    {section.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        <div className="session">
          <Link to="/check">Check a robot</Link>
          {key ? (
            <>
              {me.data ? <span className="who">{me.data.org.name}</span> : null}
              <button
                type="button"
                onClick={() => {
                  signOut();
                  void navigate({ to: '/' });
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <Link to="/sign-in">Sign in</Link>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}

export function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no console page here. <Link to="/">Go to the start page</Link>.
      </p>
    </section>
  );
}
