// POST /v1/telemetry end to end on the real app, real crypto and the backend under test:
// accepted batches are stored with their ledger leaf, duplicates once, and every refusal is
// coded and writes nothing.

import { sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { expectRecordRebuilds } from '../../support/ledger-records.js';
import {
  fileTelemetryFleet,
  healthySample,
  healthySamples,
  newDeviceKeyPair,
  postBatch,
  signBatch,
  type TelemetryFleet,
} from '../../support/telemetry-fleet.js';

/** `signingInput` with the robot's signature appended: a compact JWS of exactly those segments. */
function signedAs(robot: TelemetryFleet['robots'][number], signingInput: string): string {
  return `${signingInput}.${sign(null, Buffer.from(signingInput), robot.device.privateKey).toString('base64url')}`;
}

/** A compact JWS of exactly these header and payload bytes, validly signed by the robot's key. */
function signRaw(robot: TelemetryFleet['robots'][number], header: string, payload: string | Buffer): string {
  const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), robot.device.privateKey).toString('base64url')}`;
}

async function counts(p: TestPlatform) {
  const { rows } = await p.ctx.db.query<{ batches: number; samples: number; ledger: number; alerts: number }>(
    `SELECT (SELECT count(*) FROM telemetry_batches)::int AS batches,
            (SELECT count(*) FROM telemetry_samples)::int AS samples,
            (SELECT count(*) FROM ledger_entries)::int AS ledger,
            (SELECT count(*) FROM telemetry_alerts)::int AS alerts`,
  );
  return rows[0]!;
}

describe(`telemetry ingest over HTTP (${backend})`, () => {
  let p: TestPlatform;
  let fleet: TelemetryFleet;
  let seq = 0;
  beforeAll(async () => {
    p = await startTestPlatform();
    fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 3, jointCount: 6 });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('accepts a signed batch with 202 after the commit, stores it once with its ledger leaf', async () => {
    const robot = fleet.robots[0]!;
    const before = await counts(p);
    const jws = signBatch(robot, { seq: ++seq, samples: healthySamples(6, 5, Date.now()) });
    const res = await postBatch(p, jws);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 5, duplicate: false });
    const after = await counts(p);
    expect(after.batches - before.batches).toBe(1);
    expect(after.samples - before.samples).toBe(5);
    expect(after.ledger - before.ledger).toBe(1);

    // The leaf's entry is exactly what the stored row rebuilds to (what audit checks).
    const ledgerIndex = res.json().ledgerIndex as number;
    const { rows } = await p.ctx.db.query<{ entry: Uint8Array; record_kind: string; record_id: string }>(
      'SELECT entry, record_kind, record_id FROM ledger_entries WHERE idx = $1',
      [ledgerIndex],
    );
    const leaf = rows[0]!;
    expect(leaf.record_kind).toBe('telemetry_batch');
    const entry = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, ledgerIndex);
    expect(entry).toMatchObject({ kind: 'telemetry_batch', robotId: robot.robotId, seq, sampleCount: 5 });
    expect(entry.jwsSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('acknowledges a repeated (robotId, seq) as a duplicate and stores it once', async () => {
    const robot = fleet.robots[1]!;
    const jws = signBatch(robot, { seq: 7, samples: healthySamples(6, 3, Date.now()) });
    const first = await postBatch(p, jws);
    expect(first.statusCode).toBe(202);
    const before = await counts(p);
    const again = await postBatch(p, jws);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ accepted: 3, duplicate: true });
    // Concurrent copies land in one group commit: still stored once.
    const copies = signBatch(robot, { seq: 8, samples: healthySamples(6, 2, Date.now()) });
    const answers = await Promise.all([postBatch(p, copies), postBatch(p, copies), postBatch(p, copies)]);
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
    expect(answers.filter((a) => a.json().duplicate === false)).toHaveLength(1);
    const after = await counts(p);
    expect(after.batches - before.batches).toBe(1);
    expect(after.samples - before.samples).toBe(2);
  });

  it('refuses every bad batch with a coded error and writes nothing', async () => {
    const robot = fleet.robots[2]!;
    const other = fleet.robots[0]!;
    const now = Date.now();
    const good = () => healthySamples(6, 2, now);
    const impostor = { ...robot, device: newDeviceKeyPair() };
    const unknownRobot = { ...robot, robotId: 'CNB7K2B0A3T511000000000123455' };
    const big = Array.from({ length: 1001 }, (_, i) => healthySample(6, now - i * 10));
    const huge = Array.from({ length: 1000 }, (_, i) =>
      healthySample(6, now - i * 10, {
        faults: Array.from({ length: 32 }, (_, f) => `F${f}_${'X'.repeat(28)}`),
      }),
    );
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: robot.robotId })).toString('base64url');
    const payload = Buffer.from('{}').toString('base64url');
    const cases: [string, string, number, string, string?][] = [
      ['bad signature', signBatch(impostor, { seq: 1, samples: good() }), 422, 'TELEMETRY_SIGNATURE_INVALID'],
      ['unknown robot', signBatch(unknownRobot, { seq: 1, samples: good() }), 422, 'TELEMETRY_KEY_UNKNOWN'],
      [
        'kid and payload disagree',
        signBatch(robot, { robotId: other.robotId, seq: 1, samples: good() }),
        422,
        'TELEMETRY_ROBOT_MISMATCH',
      ],
      [
        'wrong joint count',
        signBatch(robot, { seq: 1, samples: [healthySample(5, now)] }),
        422,
        'TELEMETRY_JOINT_COUNT',
      ],
      [
        'out of physical range',
        signBatch(robot, {
          seq: 1,
          samples: [healthySample(6, now, { battery: { socPct: 140, sohPct: 90, cycles: 1, tempC: 20 } })],
        }),
        422,
        'TELEMETRY_OUT_OF_RANGE',
      ],
      [
        'timestamp 10 minutes ahead',
        signBatch(robot, { seq: 1, samples: [healthySample(6, now + 10 * 60_000)] }),
        422,
        'TELEMETRY_TIMESTAMP_FUTURE',
      ],
      ['1,001 samples', signBatch(robot, { seq: 1, samples: big }), 413, 'TELEMETRY_TOO_MANY_SAMPLES'],
      ['more than 1 MiB', signBatch(robot, { seq: 1, samples: huge }), 413, 'TELEMETRY_BATCH_TOO_LARGE'],
      ['not a JWS', 'hello', 400, 'TELEMETRY_MALFORMED_JWS'],
      ['alg HS256', `${header}.${payload}.AAAA`, 400, 'TELEMETRY_UNSUPPORTED_ALG'],
      [
        'missing field',
        signBatch(robot, {
          seq: 1,
          samples: [{ ...healthySample(6, now), operatingHours: undefined as never }],
        }),
        400,
        'TELEMETRY_MALFORMED_PAYLOAD',
      ],
      ['JSON instead of a JWS', '{"robotId":"x"}', 415, 'UNSUPPORTED_MEDIA_TYPE', 'application/json'],
      ...strictCases(robot, other, now),
    ];
    const before = await counts(p);
    const got: unknown[] = [];
    for (const [what, body, , , contentType] of cases) {
      const res = await postBatch(p, body, contentType);
      got.push({ what, status: res.statusCode, code: res.json().error?.code });
    }
    expect(got).toEqual(cases.map(([what, , status, code]) => ({ what, status, code })));
    expect(await counts(p)).toEqual(before);
  });

  /** Signed input that parsers could read differently: refused, whatever the signature says. */
  function strictCases(
    robot: TelemetryFleet['robots'][number],
    other: TelemetryFleet['robots'][number],
    now: number,
  ): [string, string, number, string, string?][] {
    const payload = (robotId = robot.robotId) =>
      JSON.stringify({ robotId, seq: 1, samples: [healthySample(6, now)] });
    const header = (extra: string) => `{"alg":"EdDSA","kid":"${robot.robotId}"${extra}}`;
    const good = signRaw(robot, header(''), payload());
    const h = good.slice(0, good.indexOf('.'));
    // base64url of 2 bytes leaves 2 unused bits in its last character; set one (still decodes the same in Node).
    const padded = Buffer.from(payload()).toString('base64url');
    const last = padded.length % 4 === 0 ? undefined : padded[padded.length - 1];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const loose =
      last === undefined ? undefined : padded.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1]!;
    return [
      [
        'header b64: false (RFC 7797)',
        signRaw(robot, header(',"b64":false'), payload()),
        400,
        'TELEMETRY_MALFORMED_JWS',
      ],
      [
        'header with an embedded jwk',
        signRaw(robot, header(',"jwk":{"kty":"OKP","crv":"Ed25519","x":"AAAA"}'), payload()),
        400,
        'TELEMETRY_MALFORMED_JWS',
      ],
      [
        'header crit',
        signRaw(robot, header(',"crit":["exp"],"exp":1'), payload()),
        400,
        'TELEMETRY_MALFORMED_JWS',
      ],
      [
        'header with an unknown field',
        signRaw(robot, header(',"x-firmware":"1.2"'), payload()),
        400,
        'TELEMETRY_MALFORMED_JWS',
      ],
      ['header typ JWT', signRaw(robot, header(',"typ":"JWT"'), payload()), 400, 'TELEMETRY_MALFORMED_JWS'],
      [
        'header naming kid twice',
        signRaw(robot, `{"alg":"EdDSA","kid":"${other.robotId}","kid":"${robot.robotId}"}`, payload()),
        400,
        'TELEMETRY_MALFORMED_JWS',
      ],
      [
        'payload naming two robots',
        signRaw(robot, header(''), `{"robotId":"${other.robotId}",${payload().slice(1)}`),
        400,
        'TELEMETRY_MALFORMED_PAYLOAD',
      ],
      [
        'payload with a field twice, deep inside',
        signRaw(robot, header(''), payload().replace('"socPct":87.5', '"socPct":87.5,"socPct":12')),
        400,
        'TELEMETRY_MALFORMED_PAYLOAD',
      ],
      [
        'payload not UTF-8',
        signRaw(
          robot,
          header(''),
          // robotId with a stray 0xFF byte: read leniently (U+FFFD) it is merely another robot.
          Buffer.from(payload(`${robot.robotId}\xff`), 'latin1'),
        ),
        400,
        'TELEMETRY_MALFORMED_PAYLOAD',
      ],
      ...(loose === undefined
        ? []
        : ([
            [
              'payload base64url not canonical',
              signedAs(robot, `${h}.${loose}`),
              400,
              'TELEMETRY_MALFORMED_JWS',
            ],
          ] as [string, string, number, string][])),
      ['a JWS sent as application/json', good, 415, 'UNSUPPORTED_MEDIA_TYPE', 'application/json'],
      ['a JWS sent as text/plain', good, 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain'],
      ['a JWS sent as application/jose+json', good, 415, 'UNSUPPORTED_MEDIA_TYPE', 'application/jose+json'],
    ];
  }

  it('refuses a decommissioned robot and any batch signed by a retired key, accepts the new key', async () => {
    const [robot] = (
      await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 1, jointCount: 6, manufacturer: fleet.manufacturer })
    ).robots;
    const r = robot!;
    const beforeRotation = Date.now() - 60_000;
    const next = newDeviceKeyPair();
    const rotation = await p.call('POST', `/v1/robots/${r.robotId}/events`, {
      token: fleet.manufacturer.apiKey,
      body: { type: 'key_rotation', data: { devicePublicKey: next.publicKey } },
    });
    expect(rotation.statusCode).toBe(201);
    const late = signBatch(r, { seq: 1, samples: healthySamples(6, 2, Date.now() + 1000) });
    const refused = await postBatch(p, late);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('TELEMETRY_KEY_RETIRED');
    // Dated before the rotation, received after it: refused too. Whoever holds a retired key
    // (stolen, say) could otherwise write history as far back as he dates it.
    const before9Days = Date.now() - 9 * 86_400_000;
    for (const [seq, endMs] of [
      [2, beforeRotation],
      [5, before9Days],
    ] as const) {
      const early = await postBatch(p, signBatch(r, { seq, samples: healthySamples(6, 2, endMs) }));
      expect({ seq, status: early.statusCode, code: early.json().error?.code }).toEqual({
        seq,
        status: 422,
        code: 'TELEMETRY_KEY_RETIRED',
      });
    }
    const { rows: written } = await p.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM telemetry_batches WHERE robot_id = $1',
      [r.robotId],
    );
    expect(written[0]!.n).toBe(0);
    const rotated = { ...r, device: next };
    expect(
      (await postBatch(p, signBatch(rotated, { seq: 3, samples: healthySamples(6, 2, Date.now()) })))
        .statusCode,
    ).toBe(202);

    const decommission = await p.call('POST', `/v1/robots/${r.robotId}/events`, {
      token: fleet.manufacturer.apiKey,
      body: { type: 'decommission', data: { reason: 'end of life' } },
    });
    expect(decommission.statusCode).toBe(201);
    const before = await counts(p);
    const res = await postBatch(p, signBatch(rotated, { seq: 4, samples: healthySamples(6, 2, Date.now()) }));
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('TELEMETRY_ROBOT_INACTIVE');
    expect(await counts(p)).toEqual(before);
  });

  it('group-commits concurrent batches from many robots, each acknowledged once durable', async () => {
    const before = await counts(p);
    const now = Date.now();
    const bodies = fleet.robots.flatMap((robot, r) =>
      Array.from({ length: 20 }, (_, i) =>
        signBatch(robot, { seq: 1000 + r * 100 + i, samples: healthySamples(6, 10, now - i * 10_000) }),
      ),
    );
    const answers = await Promise.all(bodies.map((b) => postBatch(p, b)));
    expect(answers.every((a) => a.statusCode === 202 && a.json().duplicate === false)).toBe(true);
    const after = await counts(p);
    expect(after.batches - before.batches).toBe(bodies.length);
    expect(after.samples - before.samples).toBe(bodies.length * 10);
    expect(after.ledger - before.ledger).toBe(bodies.length);
  });
});

describe(`telemetry backpressure (${backend})`, () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ env: { ROBOLEDGER_INGEST_MAX_PENDING: '4' } });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('answers 429 with Retry-After when the queue is full, and writes nothing for those', async () => {
    const fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 2, jointCount: 4 });
    const bodies = Array.from({ length: 40 }, (_, i) =>
      signBatch(fleet.robots[i % 2]!, { seq: i, samples: healthySamples(4, 20, Date.now()) }),
    );
    const answers = await Promise.all(bodies.map((b) => postBatch(p, b)));
    const limited = answers.filter((a) => a.statusCode === 429);
    const accepted = answers.filter((a) => a.statusCode === 202);
    expect(limited.length).toBeGreaterThan(0);
    expect(accepted.length + limited.length).toBe(40);
    for (const a of limited) {
      expect(a.json().error.code).toBe('TELEMETRY_QUEUE_FULL');
      expect(Number(a.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    const { rows } = await p.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry_batches');
    expect(rows[0]!.n).toBe(accepted.length);
  });
});
