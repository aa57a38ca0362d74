// The demo's recalls (docs/recalls.md), through the public API like everything else in the demo:
// the first maker recalls its first model for an inspection of the gripper (no doNotOperate, so
// no robot changes status); the owner of one in-service unit has it inspected, a maintenance
// naming the campaign, which remedies that unit. The others stay open: the campaign shows its
// progress, each owner has a `recall.opened` notification, the public check an open recall.
import type { DemoRobot } from './demo-fleet.js';

type Call = <T = Record<string, unknown>>(
  token: string,
  method: 'POST' | 'GET',
  url: string,
  body?: object,
) => Promise<T>;

export const DEMO_RECALL_ID = 'R-DEMO-001';

export async function seedDemoRecalls(
  call: Call,
  maker: { id: string; apiKey: string },
  robots: readonly DemoRobot[],
): Promise<void> {
  const models = await call<{ items: { id: string }[] }>(
    maker.apiKey,
    'GET',
    `/v1/models?manufacturerId=${maker.id}&limit=1`,
  );
  await call(maker.apiKey, 'POST', '/v1/recalls', {
    campaignId: DEMO_RECALL_ID,
    modelIds: [models.items[0]!.id],
    component: 'gripper finger bolts',
    summary: 'The bolts of the gripper fingers may loosen under sustained vibration.',
    consequence: 'A gripped part may be dropped.',
    remedy: { type: 'inspection' },
  });
  const units = await call<{ items: { robotId: string; status: string }[] }>(
    maker.apiKey,
    'GET',
    `/v1/recalls/${DEMO_RECALL_ID}/units?limit=500`,
  );
  const byId = new Map(robots.map((r) => [r.robotId, r]));
  const inspected = units.items
    .map((u) => byId.get(u.robotId))
    .find((r): r is DemoRobot => r !== undefined && r.status === 'in_service');
  if (!inspected) return;
  await call(inspected.ownerKey, 'POST', `/v1/robots/${inspected.robotId}/events`, {
    type: 'maintenance',
    data: {
      phase: 'performed',
      description: 'Gripper finger bolts inspected and torqued to specification.',
      campaignId: DEMO_RECALL_ID,
      activity: 'inspect',
    },
  });
}
