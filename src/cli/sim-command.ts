// `roboledger sim`: runs the fleet simulator (server/simulator/fleet-simulator.ts) from the
// command line.
import type { Command } from 'commander';
import { runSimulation, SimSetupError } from '../server/simulator/fleet-simulator.js';

function positive(name: string, min = 0) {
  return (raw: string) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}`);
    return value;
  };
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description(
      'a fleet of simulated robots (battery fade, joint wear, accuracy drift, rare faults) that sign and send telemetry',
    )
    .requiredOption(
      '--token <keyOrFile>',
      'a manufacturer API key (robots of its first model are filed and deployed) or a fleet file',
    )
    .option('--url <url>', 'the platform', 'http://127.0.0.1:8080')
    .option('--robots <n>', 'robots to file (with an API key)', positive('--robots', 1), 10)
    .option('--rate <samplesPerSecond>', 'samples per second per robot', positive('--rate', 0.001), 1)
    .option(
      '--samples-per-batch <n>',
      'samples in each signed batch (1-1000)',
      positive('--samples-per-batch', 1),
      10,
    )
    .option('--transport <transport>', 'http or mqtt', 'http')
    .option('--mqtt-url <url>', 'the MQTT broker (with --transport mqtt)', 'mqtt://127.0.0.1:1884')
    .option('--duration <seconds>', 'stop after this long (0: until interrupted)', positive('--duration'), 0)
    .option('--seed <n>', 'seed of the fleet physics', positive('--seed'), 1)
    .option(
      '--time-scale <x>',
      'simulated seconds per real second (ages the fleet faster)',
      positive('--time-scale', 1),
      60,
    )
    .option(
      '--fleet-file <path>',
      'where to write the filed fleet (private keys: keep it private)',
      './sim-fleet.json',
    )
    .action(async (raw: Record<string, unknown>) => {
      const transport = raw.transport === 'mqtt' ? 'mqtt' : raw.transport === 'http' ? 'http' : undefined;
      if (!transport) throw new Error('--transport must be http or mqtt');
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const summary = await runSimulation({
          url: String(raw.url).replace(/\/$/, ''),
          token: String(raw.token),
          robots: raw.robots as number,
          rate: raw.rate as number,
          samplesPerBatch: Math.min(1000, Math.floor(raw.samplesPerBatch as number)),
          transport,
          mqttUrl: String(raw.mqttUrl),
          duration: raw.duration as number,
          seed: raw.seed as number,
          timeScale: raw.timeScale as number,
          fleetFile: String(raw.fleetFile),
          signal: controller.signal,
        });
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        process.exitCode = summary.failed > 0 || Object.keys(summary.refused).length > 0 ? 1 : 0;
      } catch (error) {
        if (!(error instanceof SimSetupError)) throw error;
        process.stderr.write(`roboledger sim: ${error.message}\n`);
        process.exitCode = 2;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
