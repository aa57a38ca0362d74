// MQTT topics of telemetry (docs/api.md "Telemetry").
import { PlatformError } from '../../core/errors.js';

export const TELEMETRY_TOPIC_FILTER = 'roboledger/v1/robots/+/telemetry';
const TELEMETRY_TOPIC = /^roboledger\/v1\/robots\/([^/]{1,64})\/telemetry$/;
const REJECTED_TOPIC = /^roboledger\/v1\/robots\/[^/]+\/telemetry\/rejected$/;

export function telemetryTopic(robotId: string): string {
  return `roboledger/v1/robots/${robotId}/telemetry`;
}

/** Where a refused batch's coded error is published for the robot to read. */
export function rejectedTopic(robotId: string): string {
  return `roboledger/v1/robots/${robotId}/telemetry/rejected`;
}

/** The robot ID of a telemetry topic, or undefined for any other topic. */
export function robotOfTelemetryTopic(topic: string): string | undefined {
  return TELEMETRY_TOPIC.exec(topic)?.[1];
}

export function isRejectedTopic(topic: string): boolean {
  return REJECTED_TOPIC.test(topic);
}

/** Errors worth a retry (the platform's state, not the batch): never published as a refusal. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof PlatformError)) return true;
  return (
    error.code === 'TELEMETRY_QUEUE_FULL' || error.code === 'NOT_READY' || error.code === 'INTERNAL_ERROR'
  );
}

/** The rejection message: the error envelope plus the JWS digest so the robot can match it. */
export function rejectionMessage(error: PlatformError, jwsSha256: string): string {
  return JSON.stringify({
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
    jwsSha256,
  });
}
