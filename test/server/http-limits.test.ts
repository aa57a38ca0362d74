// The HTTP server's own limits and its answers before any route (issue 10): slow clients are cut
// off by the header, request and keep-alive timeouts; an over-long path parameter, an
// unparseable cursor and a timed-out request are answered in the error envelope.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../support/app.js';
import { backend } from '../support/database.js';

/** Opens a raw connection; `done` resolves with everything the server sent once it closes. */
async function rawConnection(port: number): Promise<{ socket: Socket; done: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  socket.on('error', () => {});
  const done = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  return { socket, done };
}

describe(`slow clients are cut off (${backend})`, () => {
  let p: TestPlatform;
  let port: number;
  beforeAll(async () => {
    // Short timeouts so the test waits little; the defaults are in docs/security.md.
    p = await startTestPlatform({
      env: {
        ROBOLEDGER_HEADERS_TIMEOUT_MS: '400',
        ROBOLEDGER_REQUEST_TIMEOUT_MS: '800',
        ROBOLEDGER_KEEP_ALIVE_TIMEOUT_MS: '300',
      },
    });
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    port = (p.app.server.address() as { port: number }).port;
  }, 240_000);
  afterAll(async () => {
    await p?.close();
  });

  it('answers 408 in the envelope and closes a connection that drips its headers', async () => {
    const { socket, done } = await rawConnection(port);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    // One header line every 100 ms, never the blank line that ends them.
    const drip = setInterval(() => socket.writable && socket.write('X-Drip: 1\r\n'), 100);
    const answer = await done;
    clearInterval(drip);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: 'REQUEST_TIMEOUT', message: 'the request did not arrive in time' },
    });
  }, 240_000);

  it('closes a connection that drips its body past the request timeout', async () => {
    const { socket, done } = await rawConnection(port);
    socket.write(
      'POST /v1/telemetry HTTP/1.1\r\nHost: x\r\nContent-Type: application/jose\r\nContent-Length: 1000\r\n\r\n',
    );
    const drip = setInterval(() => socket.writable && socket.write('a'), 100);
    const answer = await done;
    clearInterval(drip);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 240_000);

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { socket, done } = await rawConnection(port);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const answer = await done;
    // Closed by the server (`done` resolved) well before Fastify's 72 s default.
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  }, 240_000);

  it('refuses a headers timeout longer than the request timeout at start', () => {
    expect(() =>
      loadConfig({ ROBOLEDGER_HEADERS_TIMEOUT_MS: '5000', ROBOLEDGER_REQUEST_TIMEOUT_MS: '1000' }),
    ).toThrow(ConfigError);
  });

  it.each([
    ['ROBOLEDGER_KEY_RATE_LIMIT', '0'],
    ['ROBOLEDGER_TELEMETRY_RATE_LIMIT', 'many'],
    ['ROBOLEDGER_TELEMETRY_INFLIGHT_BYTES', '1000'],
    ['ROBOLEDGER_KEEP_ALIVE_TIMEOUT_MS', '-1'],
    ['ROBOLEDGER_CONNECTION_TIMEOUT_MS', '1.5'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
  ])('refuses %s=%s at start', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  });

  it('defaults every limit and timeout (docs/security.md lists them)', () => {
    expect(loadConfig({})).toMatchObject({
      keyRateLimit: 6000,
      telemetryRateLimit: 12_000,
      telemetryInflightBytes: 64 * 1024 * 1024,
      redisUrl: undefined,
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 5_000,
      connectionTimeoutMs: 60_000,
    });
  });
});

describe(`the error contract before and around the routes (${backend})`, () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  }, 240_000);
  afterAll(async () => {
    await p?.close();
  });

  it('answers an over-long path parameter 414 in the envelope, not in Fastify’s format', async () => {
    const res = await p.call('GET', `/v1/public/robots/${'A'.repeat(200)}`);
    expect(res.statusCode).toBe(414);
    expect(res.json()).toEqual({
      error: { code: 'URI_TOO_LONG', message: 'a path segment is longer than 100 characters' },
    });
  });

  it.each(['/v1/robots', '/v1/orgs', '/v1/models', '/v1/sites', '/v1/transfers', '/v1/alerts'])(
    'answers an unparseable cursor on %s with a coded 400',
    async (url) => {
      const res = await p.call('GET', `${url}?cursor=not-a-cursor!`, { token: ADMIN_TOKEN });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    },
  );
});
