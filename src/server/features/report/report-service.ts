// The robot history report (docs/history-report.md): the robot's whole records chain, opened
// and proven at one signed checkpoint, read into a summary and sections for the caller's tier,
// and signed by the log key over its canonical JSON. Who gets which tier is decided here
// (core/report/report-access.ts) or by a share token (report-shares.ts).

import { PlatformError } from '../../../core/errors.js';
import type { Actor } from '../../../core/organisation.js';
import { type ChainFacts, chainFacts } from '../../../core/report/chain-facts.js';
import { decideReportTier } from '../../../core/report/report-access.js';
import {
  type HistoryReport,
  REPORT_FORMAT,
  type ReportTier,
  reportSigningBytes,
} from '../../../core/report/report-format.js';
import { formatOpening } from '../../../ledger/index.js';
import type { AppContext } from '../../app-context.js';
import { base64Of } from '../../http/schemas.js';
import type { LedgerReader } from '../../ledger/ledger-reader.js';
import { accessBy, recordRobotAccess } from '../access-log/access-log.js';
import { enforce } from '../policy-enforcement.js';
import { canonicalRobotId, findRobot, type RobotRow, robotRelation } from '../robots/robot-access.js';
import { provenHistory } from '../robots/robot-history.js';
import { loadRobotView } from '../robots/robot-reads.js';
import { certificateAt, certificatePlan, certificationSection } from './report-certificate.js';
import {
  brandSection,
  type ChainRecord,
  eventSections,
  incidentSection,
  organisations,
  ownershipSection,
  recallSection,
  softwareSection,
  withoutOrganisations,
} from './report-sections.js';
import { attestedSoftware, coverageOf, healthOf } from './report-telemetry.js';

type Json = Record<string, unknown>;

function recordOf(bytes: Uint8Array): Json {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
}

function identityOf(view: Awaited<ReturnType<typeof loadRobotView>>, tier: ReportTier): Json {
  return {
    decoded: view.decoded,
    model: {
      id: view.model.id,
      name: view.model.name,
      modelCode: view.model.modelCode,
      category: view.model.category,
    },
    manufacturer: { name: view.manufacturer.name, country: view.manufacturer.country },
    hardwareRevision: view.hardwareRevision,
    productionDate: view.productionDate,
    filedAt: view.filedAt,
    previousRobotIds: view.previousRobotIds,
    ...(tier === 'public' || tier === 'buyer' ? {} : { manufacturerOrgId: view.manufacturer.id }),
  };
}

/** The usage each seller disclosed when it offered the robot (accepted transfers), by seller. */
async function usageDisclosures(ctx: AppContext, robotUuid: string): Promise<Map<string, unknown>> {
  const { rows } = await ctx.db.query<{ from_org_id: string; usage: unknown }>(
    `SELECT from_org_id, jsonb_build_object('operatingHours', usage_operating_hours, 'status', usage_status) AS usage
       FROM transfers WHERE robot_uuid = $1 AND status = 'accepted' AND usage_status IS NOT NULL ORDER BY decided_at`,
    [robotUuid],
  );
  const out = new Map<string, unknown>();
  for (const r of rows) if (r.usage !== null && r.usage !== undefined) out.set(r.from_org_id, r.usage);
  return out;
}

/** Builds and signs the report of `robot` for `tier` at `now`. */
export async function buildReport(
  ctx: AppContext,
  reader: LedgerReader,
  robot: RobotRow,
  tier: ReportTier,
  now: Date,
): Promise<HistoryReport> {
  const plan = await certificatePlan(ctx, robot);
  const history = await provenHistory(ctx, reader, robot, plan.treeSize);
  const records: ChainRecord[] = history.records.map((r, seq) => ({
    seq,
    index: r.opening.index,
    late: r.late,
    record: recordOf(r.opening.record),
  }));
  const facts = chainFacts(records.map((r) => r.record));
  // Every read below is independent of the others: one round of concurrent queries.
  const details = tier === 'public' ? undefined : detailReads(ctx, robot, tier, facts, records, now);
  // Awaited below; marked handled now so a failure of the reads beside it is not "unhandled".
  details?.catch(() => undefined);
  const [view, health, recalls, certificate] = await Promise.all([
    loadRobotView(ctx.db, robot.id, now),
    healthOf(ctx.db, robot.id, now),
    recallSection(ctx.db, robot.id),
    certificateAt(ctx, reader, plan.indices, history.treeSize, facts, now),
  ]);
  const summary = {
    status: facts.status,
    owners: facts.ownership.length,
    incidents: facts.incidents,
    seriousIncidents: facts.seriousIncidents,
    brands: facts.brands,
    openRecalls: recalls.open,
    certificate: certificate.verdict,
    ...health.summary,
    usageRollback: facts.usageRollback,
    intelligenceLevel: robot.intelligence_level,
  };
  const proofNotes = { checkpoint: history.checkpoint, head: history.head };
  const unsigned: Omit<HistoryReport, 'signature'> =
    tier === 'public'
      ? {
          format: REPORT_FORMAT,
          robotId: history.robotId,
          generatedAt: now.toISOString(),
          tier,
          summary,
          identity: identityOf(view, tier),
          proof: proofNotes,
        }
      : {
          format: REPORT_FORMAT,
          robotId: history.robotId,
          generatedAt: now.toISOString(),
          tier,
          summary,
          identity: identityOf(view, tier),
          ...detail(tier, facts, records, recalls.items, health.health, (await details)!),
          proof: {
            ...proofNotes,
            records: history.records.map((r) => ({
              opening: formatOpening(r.opening),
              inclusion: r.proof.map(base64Of),
            })),
            approvals: certificate.proven,
          },
        };
  const signature = base64Of(
    ctx.checkpointer.key.signer.sign(reportSigningBytes(unsigned as unknown as Json)),
  );
  return { ...unsigned, signature } as HistoryReport;
}

/** What the detail of every tier but `public` reads, started alongside the summary's reads. */
async function detailReads(
  ctx: AppContext,
  robot: RobotRow,
  tier: ReportTier,
  facts: ChainFacts,
  records: readonly ChainRecord[],
  now: Date,
) {
  const [reported, incidents, orgs, usage, coverage] = await Promise.all([
    attestedSoftware(ctx.db, robot.id),
    incidentSection(ctx.db, robot.id, tier),
    organisations(
      ctx.db,
      facts.ownership.map((p) => p.orgId),
    ),
    usageDisclosures(ctx, robot.id),
    coverageOf(ctx.db, robot.id, facts, records.filter((r) => r.late).length, now),
  ]);
  return { reported, incidents, orgs, usage, coverage };
}

/** Configuration, sections, health and coverage: what every tier but `public` shows. */
function detail(
  tier: ReportTier,
  facts: ChainFacts,
  records: readonly ChainRecord[],
  recalls: Json[],
  health: Json,
  reads: Awaited<ReturnType<typeof detailReads>>,
) {
  const { reported, incidents, orgs, usage, coverage } = reads;
  const events = eventSections(records);
  const sections = {
    ownership: ownershipSection(facts, orgs, tier, usage),
    lifecycle: events.lifecycle,
    maintenance: events.maintenance,
    software: softwareSection(events.softwareEvents, reported),
    incidents,
    recalls,
    certificates: certificationSection(records),
    brands: brandSection(records),
  };
  const configuration = {
    hardwareRevision: facts.hardwareRevision,
    software: facts.software.map((s) => ({
      component: s.component,
      version: s.version,
      providerOrgId: s.providerOrgId,
      since: s.since,
      attested: reported !== null && reported[s.component] === s.version,
    })),
  };
  return tier === 'buyer'
    ? {
        configuration: withoutOrganisations(configuration),
        sections: withoutOrganisations(sections),
        health,
        coverage,
      }
    : { configuration, sections, health, coverage };
}

/** The tier of an authenticated caller, or the refusal the access policy gives. */
export async function reportFor(
  ctx: AppContext,
  reader: LedgerReader,
  actor: Actor,
  robotIdInput: string,
): Promise<HistoryReport> {
  const now = ctx.clock();
  const robotId = canonicalRobotId(robotIdInput);
  const robot = await findRobot(ctx.db, robotId);
  if (!robot) throw new PlatformError('ROBOT_NOT_FOUND', `no robot ${robotId} is visible to you`);
  const relation = await robotRelation(ctx.db, actor, robot, now);
  const { rows } = await ctx.db.query(
    "SELECT 1 FROM transfers WHERE robot_uuid = $1 AND to_org_id = $2 AND status = 'pending'",
    [robot.id, actor.orgId],
  );
  const decision = decideReportTier(actor, relation, rows.length > 0);
  if (!decision.allow) {
    if (decision.conceal) throw new PlatformError('ROBOT_NOT_FOUND', `no robot ${robotId} is visible to you`);
    enforce(decision);
    throw new PlatformError('FORBIDDEN', decision.reason);
  }
  const report = await buildReport(ctx, reader, robot, decision.tier, now);
  await recordRobotAccess(ctx.db, { robotUuid: robot.id, ...accessBy(actor, 'report', now) });
  return report;
}

/** The public tier: no credentials; summary and identity only. */
export async function publicReport(ctx: AppContext, reader: LedgerReader, robotIdInput: string) {
  const robotId = canonicalRobotId(robotIdInput);
  const robot = await findRobot(ctx.db, robotId);
  if (!robot) throw new PlatformError('ROBOT_NOT_FOUND', `no robot ${robotId} is registered`);
  return buildReport(ctx, reader, robot, 'public', ctx.clock());
}
