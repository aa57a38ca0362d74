// The history report (docs/history-report.md): tiers by caller, what each tier shows, the
// signature and proof a buyer checks offline, shares and the access log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyHistoryReport } from '../../../../src/core/report/report-verify.js';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../../../support/app.js';
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

  it('renders the same report as a printable page with Accept: text/html', async () => {
    const res = await report(owner.apiKey, { accept: 'text/html' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<section class="summary">');
    expect(res.body).not.toContain('<script');
    expect(res.body).toContain('@media print');
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
