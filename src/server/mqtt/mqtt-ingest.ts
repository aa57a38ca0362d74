// One MQTT telemetry message through the ingest pipeline, for both the embedded broker and the
// external-broker subscriber. MQTT has no 429: when the queue is full the message simply waits
// (its PUBACK with it), which stops the sender at its in-flight window — MQTT's own flow control.
import { createHash } from 'node:crypto';
import { PlatformError } from '../../core/errors.js';
import type { TelemetrySink } from './telemetry-sink.js';
import { isTransient, rejectionMessage, robotOfTelemetryTopic } from './topics.js';

export type MessageOutcome =
  | { status: 'stored' | 'duplicate' }
  /**
   * Refused for good, the batch's own fault (a value the database refused included:
   * TELEMETRY_UNPROCESSABLE): publish `message` to the robot's rejected topic, then acknowledge,
   * so that a batch that can never be stored is not redelivered forever.
   */
  | { status: 'refused'; robotId: string; message: string; error: PlatformError }
  /** Not processed (shutting down, database unreachable): do not acknowledge; it will be redelivered. */
  | { status: 'retry'; error: unknown };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function ingestMqttMessage(
  ingest: TelemetrySink,
  topic: string,
  payload: Buffer,
  options: { patienceMs?: number } = {},
): Promise<MessageOutcome> {
  const robotId = robotOfTelemetryTopic(topic);
  if (robotId === undefined) {
    return { status: 'retry', error: new Error(`not a telemetry topic: ${topic}`) };
  }
  const jws = payload.toString('latin1');
  const deadline = Date.now() + (options.patienceMs ?? 60_000);
  for (let attempt = 0; ; attempt++) {
    try {
      const ack = await ingest.submit(jws, { topicRobotId: robotId });
      return { status: ack.duplicate ? 'duplicate' : 'stored' };
    } catch (error) {
      if (!isTransient(error)) {
        const coded = error as PlatformError;
        const digest = createHash('sha256').update(payload).digest('hex');
        return { status: 'refused', robotId, message: rejectionMessage(coded, digest), error: coded };
      }
      const retryable = error instanceof PlatformError && error.code === 'TELEMETRY_QUEUE_FULL';
      if (!retryable || Date.now() > deadline) return { status: 'retry', error };
      await sleep(Math.min(1000, 20 * 2 ** Math.min(attempt, 6)));
    }
  }
}
