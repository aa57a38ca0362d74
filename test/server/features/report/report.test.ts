// The history report (docs/history-report.md): tiers by caller, what each tier shows, the
// signature and proof a buyer checks offline, shares and the access log.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyHistoryReport } from '../../../../src/core/report/report-verify.js';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../../../support/app.js';
import { StoppableClock } from '../../../support/clock.js';
import { backend } from '../../../support/database.js';
import {
  type FiledRobot,
  fileRobot,
  grantAccess,
  type OrgRef,
  recordEvent,
  transferRobot,
} from '../../../support/fleet.js';

describe(`history report (${backend})`, () => {
  let p: TestPlatform;
  let maker: OrgRef;
  let owner: OrgRef;
  let buyer: OrgRef;
  let stranger: OrgRef;
  let regulator: OrgRef;
  let maintainer: OrgRef;
  let robot: FiledRobot;
  let logKey: string;

  beforeAll(async () => {
    p = await startTestPlatform();
    [maker, owner, buyer, stranger, regulator, maintainer] = await Promise.all([
      createOrg(p, 'manufacturer'),
      createOrg(p, 'operator'),
      createOrg(p, 'operator'),
      createOrg(p, 'operator'),
      createOrg(p, 'regulator'),
      createOrg(p, 'maintainer'),
    ]);
    robot = await fileRobot(p, maker);
    await transferRobot(p, robot.robotId, maker, owner);
    await recordEvent(p, robot.robotId, owner, 'deployment', { siteName: 'Hall 3' });
    await grantAccess(p, robot.robotId, owner, maintainer, ['maintenance']);
    await recordEvent(p, robot.robotId, maintainer, 'maintenance', {
      phase: 'performed',
      description: 'joint inspection',
    });
    const offer = await p.call('POST', `/v1/robots/${robot.robotId}/transfers`, {
      token: owner.apiKey,
      body: { toOrgId: buyer.id },
    });
    expect(offer.statusCode, offer.body).toBe(201);
    logKey = p.ctx.checkpointer.key.verifierKey;
  });
  afterAll(async () => {
    await p?.close();
  });

  const report = (token: string | undefined, headers: Record<string, string> = {}) =>
    p.call('GET', `/v1/robots/${robot.robotId}/report`, { token, headers });

  it('gives each caller its tier, and refuses the others as the robot access policy does', async () => {
    const tiers: [string | undefined, number, string | undefined][] = [
      [ADMIN_TOKEN, 200, 'authority'],
      [regulator.apiKey, 200, 'authority'],
      [owner.apiKey, 200, 'owner'],
      [maker.apiKey, 200, 'owner'],
      [buyer.apiKey, 200, 'buyer'],
      [stranger.apiKey, 404, undefined],
      [maintainer.apiKey, 403, undefined],
      [undefined, 401, undefined],
    ];
    for (const [token, status, tier] of tiers) {
      const res = await report(token);
      expect(res.statusCode, res.body).toBe(status);
      if (tier) expect(res.json().tier).toBe(tier);
    }
  });

  it('is signed and provably complete: the offline verifier accepts it and recomputes the summary', async () => {
    const res = await report(owner.apiKey);
    const body = res.json();
    expect(body.format).toBe('roboledger-history-report/1');
    expect(body.summary).toMatchObject({ status: 'in_service', owners: 2, incidents: 0, brands: [] });
    expect(body.summary.certificate).toEqual({ valid: false, reasons: ['none'], approvalId: null });
    const v = verifyHistoryReport(body, logKey);
    expect(v.records).toBe(body.proof.records.length);
    expect(v.recomputed).toContain('owners');
  });

  it('shows a buyer earlier owners by kind and period, never by name or ID', async () => {
    const body = (await report(buyer.apiKey)).json();
    expect(body.sections.ownership).toEqual([
      expect.objectContaining({ period: 1, ownerKind: 'manufacturer' }),
      expect.objectContaining({ period: 2, ownerKind: 'operator', to: null }),
    ]);
    const sections = JSON.stringify(body.sections);
    for (const org of [maker, owner, maintainer]) expect(sections).not.toContain(org.id);
    verifyHistoryReport(body, logKey);
  });

  it('records every read in the robot’s access log', async () => {
    await report(regulator.apiKey);
    const log = await p.call('GET', `/v1/robots/${robot.robotId}/access-log`, { token: owner.apiKey });
    expect(log.json().items[0]).toMatchObject({ what: 'report', orgId: regulator.id });
  });

  it('renders the same report as a printable page with Accept: text/html', async () => {
    const res = await report(owner.apiKey, { accept: 'text/html' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<section class="summary">');
    expect(res.body).not.toContain('<script');
    expect(res.body).toContain('@media print');
  });

  it('certificate: invalid after an unapproved software update, valid again once the approval is extended', async () => {
    const approved = await p.call('POST', `/v1/models/${robot.modelId}/approvals`, {
      token: regulator.apiKey,
      body: {
        approvalId: 'TA-1',
        scheme: 'CR',
        standards: ['GB 1'],
        hardwareRevisions: ['1'],
        software: { locomotion: ['2.3.1'] },
        validUntil: '2099-01-01T00:00:00Z',
      },
    });
    expect(approved.statusCode, approved.body).toBe(201);
    await recordEvent(p, robot.robotId, regulator, 'certification', {
      certificate: 'C-1',
      scheme: 'CR',
      validUntil: '2099-01-01',
      approvalId: 'TA-1',
    });
    await recordEvent(p, robot.robotId, owner, 'software_update', {
      component: 'locomotion',
      toVersion: '2.3.1',
    });
    const valid = (await report(owner.apiKey)).json();
    expect(valid.summary.certificate).toEqual({ valid: true, reasons: [], approvalId: 'TA-1' });
    expect(valid.proof.approvals).toHaveLength(1);
    verifyHistoryReport(valid, logKey);

    await recordEvent(p, robot.robotId, owner, 'software_update', {
      component: 'locomotion',
      toVersion: '2.4.0',
    });
    const invalid = (await report(buyer.apiKey)).json();
    expect(invalid.summary.certificate).toEqual({
      valid: false,
      reasons: ['software_not_approved'],
      approvalId: 'TA-1',
    });
    expect(verifyHistoryReport(invalid, logKey).recomputed).toContain('certificate.reasons');
    const shown = (await p.call('GET', `/v1/robots/${robot.robotId}`, { token: owner.apiKey })).json();
    expect(shown.certificate).toEqual(invalid.summary.certificate);
    const page = await report(owner.apiKey, { accept: 'text/html' });
    expect(page.body).toContain('does not cover: it was updated to an unapproved version');

    const extended = await p.call('POST', `/v1/models/${robot.modelId}/approvals/TA-1/extensions`, {
      token: regulator.apiKey,
      body: { hardwareRevisions: [], software: { locomotion: ['2.4.0'] } },
    });
    expect(extended.statusCode, extended.body).toBe(201);
    const again = (await report(owner.apiKey)).json();
    expect(again.summary.certificate).toEqual({ valid: true, reasons: [], approvalId: 'TA-1' });
    expect(again.proof.approvals).toHaveLength(2);
    verifyHistoryReport(again, logKey);

    // A verdict the approval records do not support is named.
    const forged = structuredClone(invalid);
    forged.summary.certificate = { valid: true, reasons: [], approvalId: 'TA-1' };
    expect(() => verifyHistoryReport(forged, logKey)).toThrow(/the records/);
  });

  it('public tier: summary and identity only, no records', async () => {
    const res = await p.call('GET', `/v1/public/robots/${robot.robotId}/report`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.tier).toBe('public');
    expect(body.sections).toBeUndefined();
    expect(body.proof.records).toBeUndefined();
    verifyHistoryReport(body, logKey);
  });
});

describe(`report shares (${backend})`, () => {
  let p: TestPlatform;
  let maker: OrgRef;
  let owner: OrgRef;
  let other: OrgRef;
  let robot: FiledRobot;
  const clock = new StoppableClock();

  beforeAll(async () => {
    p = await startTestPlatform({ clock: clock.now });
    [maker, owner, other] = await Promise.all([
      createOrg(p, 'manufacturer'),
      createOrg(p, 'operator'),
      createOrg(p, 'operator'),
    ]);
    robot = await fileRobot(p, maker);
    await transferRobot(p, robot.robotId, maker, owner);
  });
  afterAll(async () => {
    await p?.close();
  });

  const inDays = (days: number) => new Date(clock.now().getTime() + days * 86_400_000).toISOString();
  const share = (token: string, expiresAt: string) =>
    p.call('POST', `/v1/robots/${robot.robotId}/report-shares`, { token, body: { expiresAt } });
  const byToken = (token: string) =>
    p.call('GET', `/v1/robots/${robot.robotId}/report`, { headers: { 'x-report-token': token } });

  it('the owner shares the buyer tier by a token that needs no API key; the read is in the access log', async () => {
    const made = await share(owner.apiKey, inDays(7));
    expect(made.statusCode, made.body).toBe(201);
    const { shareId, token } = made.json();
    // The robot's ID, a tilde, then 32 random bytes: a share link needs only the token.
    expect(token).toMatch(new RegExp(`^${robot.robotId}~[A-Za-z0-9_-]{43}$`));
    const { rows } = await p.ctx.db.query<{ token_sha256: Uint8Array }>(
      'SELECT token_sha256 FROM report_shares WHERE id = $1',
      [shareId],
    );
    expect(Buffer.from(rows[0]!.token_sha256).toString('hex')).toBe(
      createHash('sha256').update(token).digest('hex'),
    );
    const res = await byToken(token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().tier).toBe('buyer');
    const log = await p.call('GET', `/v1/robots/${robot.robotId}/access-log`, { token: owner.apiKey });
    expect(log.json().items[0]).toMatchObject({
      what: 'report_share',
      orgId: owner.id,
      keyId: `share:${shareId}`,
    });
    const list = await p.call('GET', `/v1/robots/${robot.robotId}/report-shares`, { token: owner.apiKey });
    expect(list.json().items[0]).toMatchObject({ shareId, live: true });
    expect(list.body).not.toContain(token);
  });

  it('a token reads only its own robot', async () => {
    const { token } = (await share(owner.apiKey, inDays(1))).json();
    const another = await fileRobot(p, maker);
    const res = await p.call('GET', `/v1/robots/${another.robotId}/report`, {
      headers: { 'x-report-token': token },
    });
    expect(res.statusCode).toBe(404);
  });

  it('revoking stops the token at once; an expired token is refused', async () => {
    const { shareId, token } = (await share(owner.apiKey, inDays(2))).json();
    const revoked = await p.call('DELETE', `/v1/robots/${robot.robotId}/report-shares/${shareId}`, {
      token: owner.apiKey,
    });
    expect(revoked.statusCode).toBe(204);
    expect((await byToken(token)).json().error.code).toBe('REPORT_TOKEN_INVALID');
    const short = (await share(owner.apiKey, inDays(1))).json();
    expect((await byToken(short.token)).statusCode).toBe(200);
    clock.stop(new Date(Date.parse(short.expiresAt) + 1000));
    try {
      expect((await byToken(short.token)).statusCode).toBe(401);
    } finally {
      clock.resume();
    }
  });

  it('refuses a lifetime beyond 30 days or in the past, and shares by anyone but the owner', async () => {
    expect((await share(owner.apiKey, inDays(31))).json().error.code).toBe('REPORT_SHARE_LIFETIME');
    expect((await share(owner.apiKey, inDays(-1))).json().error.code).toBe('REPORT_SHARE_LIFETIME');
    expect((await share(maker.apiKey, inDays(1))).statusCode).toBe(403);
    expect((await share(other.apiKey, inDays(1))).statusCode).toBe(404);
    expect(
      (await p.call('GET', `/v1/robots/${robot.robotId}/report-shares`, { token: other.apiKey })).statusCode,
    ).toBe(404);
  });

  it('coverage: days in service without signed telemetry are a gap, named on the page too', async () => {
    const quiet = await fileRobot(p, maker);
    await transferRobot(p, quiet.robotId, maker, owner);
    const deployed = await recordEvent(p, quiet.robotId, owner, 'deployment', { siteName: 'Dock 2' });
    const later = new Date(Date.parse(deployed.occurredAt as string) + 3 * 86_400_000);
    clock.stop(later);
    try {
      const body = (
        await p.call('GET', `/v1/robots/${quiet.robotId}/report`, { token: owner.apiKey })
      ).json();
      expect(body.coverage).toEqual({
        telemetryGaps: [{ from: deployed.occurredAt, to: later.toISOString() }],
        lateRecords: 0,
      });
      expect(body.health.operatingHours).toMatchObject({ value: null, source: { batches: 0 } });
      const page = await p.call('GET', `/v1/robots/${quiet.robotId}/report`, {
        token: owner.apiKey,
        headers: { accept: 'text/html' },
      });
      expect(page.body).toContain(
        `No signed telemetry from ${deployed.occurredAt} to ${later.toISOString()}`,
      );
    } finally {
      clock.resume();
    }
  });

  it('a sale ends the seller’s shares', async () => {
    const { token } = (await share(owner.apiKey, inDays(3))).json();
    const sold = await fileRobot(p, maker);
    await transferRobot(p, sold.robotId, maker, owner);
    const own = (
      await p.call('POST', `/v1/robots/${sold.robotId}/report-shares`, {
        token: owner.apiKey,
        body: { expiresAt: inDays(3) },
      })
    ).json();
    expect((await byToken(token)).statusCode).toBe(200);
    await transferRobot(p, sold.robotId, owner, other);
    const res = await p.call('GET', `/v1/robots/${sold.robotId}/report`, {
      headers: { 'x-report-token': own.token },
    });
    expect(res.json().error.code).toBe('REPORT_TOKEN_INVALID');
  });
});
