// The robot lifecycle as a pure state machine (docs/api.md "Lifecycle"):
//   filed → in_service ⇄ maintenance, suspended (incident, recall or regulator),
//   decommissioned → recycled (final).
// State is passed in, a decision comes out; nothing here touches a database.

import { withArticle } from './wording.js';

export const ROBOT_STATUSES = [
  'filed',
  'in_service',
  'maintenance',
  'suspended',
  'decommissioned',
  'recycled',
] as const;
export type RobotStatus = (typeof ROBOT_STATUSES)[number];

export const EVENT_TYPES = [
  'deployment',
  'maintenance',
  'software_update',
  'evaluation',
  'certification',
  'suspension',
  'reinstatement',
  'decommission',
  'recycling',
  'key_rotation',
  'sanitization',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Statuses in which the robot still exists as a working machine. */
const LIVE: readonly RobotStatus[] = ['filed', 'in_service', 'maintenance'];
const NOT_FINAL: readonly RobotStatus[] = ['filed', 'in_service', 'maintenance', 'suspended'];

export interface LifecycleState {
  status: RobotStatus;
  /** Where a suspension returns to on reinstatement. */
  statusBeforeSuspension: RobotStatus | null;
}

export const MAINTENANCE_PHASES = ['started', 'completed', 'performed'] as const;
export type MaintenancePhase = (typeof MAINTENANCE_PHASES)[number];

/** Why a robot is suspended (docs/api.md "Lifecycle": incident, recall or regulator; or its owner's choice). */
export const SUSPENSION_REASONS = ['incident', 'recall', 'regulator', 'owner'] as const;
export type SuspensionReason = (typeof SUSPENSION_REASONS)[number];

export interface LifecycleEventInput {
  type: EventType;
  /** For `maintenance`: `started` takes the robot out of service, `completed` returns it,
   *  `performed` records work without a status change (e.g. a field service). */
  maintenancePhase?: MaintenancePhase;
}

export type TransitionDecision =
  | { ok: true; from: RobotStatus; to: RobotStatus; statusBeforeSuspension: RobotStatus | null }
  | { ok: false; from: RobotStatus; reason: string };

function refuse(from: RobotStatus, reason: string): TransitionDecision {
  return { ok: false, from, reason };
}

function move(
  state: LifecycleState,
  to: RobotStatus,
  before = state.statusBeforeSuspension,
): TransitionDecision {
  return { ok: true, from: state.status, to, statusBeforeSuspension: before };
}

/** Decides whether `event` may happen to a robot in `state`, and the status it leads to. */
export function decideTransition(state: LifecycleState, event: LifecycleEventInput): TransitionDecision {
  const { status } = state;
  switch (event.type) {
    case 'deployment':
      // First deployment, or back to service after maintenance (possibly at another site).
      return status === 'filed' || status === 'maintenance' || status === 'in_service'
        ? move(state, 'in_service')
        : refuse(status, `${withArticle(status)} robot cannot be deployed`);
    case 'maintenance': {
      const phase = event.maintenancePhase ?? 'started';
      if (phase === 'started') {
        return status === 'in_service' || status === 'filed'
          ? move(state, 'maintenance')
          : refuse(status, `maintenance cannot start on ${withArticle(status)} robot`);
      }
      if (phase === 'completed') {
        return status === 'maintenance'
          ? move(state, 'in_service')
          : refuse(status, 'maintenance can only be completed on a robot in maintenance');
      }
      return NOT_FINAL.includes(status)
        ? move(state, status)
        : refuse(status, `${withArticle(status)} robot is not maintained`);
    }
    case 'software_update':
    case 'evaluation':
    case 'certification':
      // Also while suspended: a recall is typically fixed by a software update, then the robot
      // is re-evaluated or re-certified before it is reinstated. The status does not change.
      return NOT_FINAL.includes(status)
        ? move(state, status)
        : refuse(status, `${event.type.replace('_', ' ')} is not possible on ${withArticle(status)} robot`);
    case 'key_rotation':
      return NOT_FINAL.includes(status)
        ? move(state, status)
        : refuse(status, `${withArticle(status)} robot has no live key`);
    case 'suspension':
      return LIVE.includes(status)
        ? move(state, 'suspended', status)
        : refuse(status, `${withArticle(status)} robot cannot be suspended`);
    case 'reinstatement':
      return status === 'suspended'
        ? move(state, state.statusBeforeSuspension ?? 'filed', null)
        : refuse(status, 'only a suspended robot can be reinstated');
    case 'decommission':
      return NOT_FINAL.includes(status)
        ? move(state, 'decommissioned', null)
        : refuse(status, `${withArticle(status)} robot cannot be decommissioned`);
    case 'sanitization':
      // Wiping a robot's storage media (docs/end-of-life.md): in any status but recycled,
      // typically after decommissioning; the status does not change.
      return status !== 'recycled'
        ? move(state, status)
        : refuse(status, 'a recycled robot is sanitized no more');
    case 'recycling':
      return status === 'decommissioned'
        ? move(state, 'recycled')
        : refuse(status, 'only a decommissioned robot can be recycled');
  }
}

/** Statuses in which a robot may still send telemetry. */
export function acceptsTelemetry(status: RobotStatus): boolean {
  return status !== 'decommissioned' && status !== 'recycled';
}
