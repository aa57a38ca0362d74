// What the MQTT side hands telemetry to. The ingest pipeline (features/telemetry) implements
// it; this folder knows only this interface, so MQTT and the telemetry feature do not import
// each other (the telemetry runtime wires one into the other).
export interface TelemetrySink {
  /** Checks and stores one signed batch; resolves once durable, rejects with a coded PlatformError. */
  submit(jws: string, source: { topicRobotId?: string }): Promise<{ duplicate: boolean }>;
}
