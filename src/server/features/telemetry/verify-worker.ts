// A verification worker thread (piscina): checks a group of batches at once, so one message
// between threads carries many signature checks. See batch-check.ts.
import { type BatchCheckInput, type BatchCheckResult, checkBatch } from './batch-check.js';

export default function checkBatches(inputs: BatchCheckInput[]): BatchCheckResult[] {
  return inputs.map((input) => {
    try {
      return checkBatch(input);
    } catch (error) {
      // Deterministic for these bytes: a refusal (acknowledged over MQTT), not a retryable
      // fault that the broker would redeliver forever.
      return {
        ok: false,
        code: 'TELEMETRY_UNPROCESSABLE',
        message: `checking the batch failed: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  });
}
