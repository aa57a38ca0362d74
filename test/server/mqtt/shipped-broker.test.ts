// The external-broker subscriber on a Mosquitto configured as shipped (ops/mosquitto/roboledger.conf):
// a platform that falls behind a burst loses nothing the broker acknowledged, and one
// connection works on many messages at once while its PUBACKs keep their order.
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OwnBroker, startOwnBroker } from '../../../scripts/mosquitto.js';
import { startMqttSubscriber } from '../../../src/server/mqtt/mqtt-subscriber.js';
import type { TelemetrySink } from '../../../src/server/mqtt/telemetry-sink.js';
import { telemetryTopic } from '../../../src/server/mqtt/topics.js';
import { eventually } from '../../support/wait.js';

const ROBOT = 'ZZZ0000000000000000000000000A'; // the topic's robot; the sink below does not check it
// Above Mosquitto's default per-connection queue (1000 beyond those in flight), which drops the
// rest silently: with the shipped settings every one must arrive.
const MESSAGES = 2_500;
const RECEIVE_MAXIMUM = 32;

/**
 * The platform side, held shut: `submit` waits until the gate opens, as a database that stalls
 * would make it wait. Records what arrived and how many were under way at once.
 */
function gatedSink() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const received = new Set<string>();
  let underWay = 0;
  let mostUnderWay = 0;
  const sink: TelemetrySink = {
    async submit(jws) {
      underWay++;
      mostUnderWay = Math.max(mostUnderWay, underWay);
      await gate;
      underWay--;
      const duplicate = received.has(jws);
      received.add(jws);
      return { duplicate };
    },
  };
  return { sink, open, received, mostUnderWay: () => mostUnderWay, underWay: () => underWay };
}

describe('the platform subscriber on the shipped Mosquitto settings', { timeout: 180_000 }, () => {
  let broker: OwnBroker;
  beforeAll(async () => {
    broker = await startOwnBroker();
  }, 90_000);
  afterAll(async () => {
    await broker?.close();
  });

  it('keeps a burst the platform cannot take yet, and takes up to receiveMaximum at once on one connection', async () => {
    const platform = gatedSink();
    const subscriber = await startMqttSubscriber(platform.sink, {
      url: broker.url,
      shareGroup: `t${randomBytes(4).toString('hex')}`,
      connections: 1,
      receiveMaximum: RECEIVE_MAXIMUM,
    });
    const robot = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    try {
      // Every publication acknowledged by the broker while the platform holds them all.
      let next = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next < MESSAGES) {
            const n = next++;
            await robot.publishAsync(telemetryTopic(ROBOT), `batch-${n}`, { qos: 1 });
          }
        }),
      );
      // The one connection holds a full window, not one message (mqtt.js alone would allow one).
      await eventually('a full window under way', () =>
        platform.underWay() === RECEIVE_MAXIMUM ? true : undefined,
      );
      platform.open();
      await eventually(
        `all ${MESSAGES} messages at the platform`,
        () => {
          // A dropped message never arrives: say so at once instead of waiting out the deadline.
          if (/dropped/i.test(broker.log())) throw new Error(`the broker dropped messages: ${broker.log()}`);
          return platform.received.size === MESSAGES ? true : undefined;
        },
        { deadlineMs: 120_000, seen: () => platform.received.size },
      );
      expect(platform.mostUnderWay()).toBe(RECEIVE_MAXIMUM);
      expect(broker.log()).not.toMatch(/dropped/i);
    } finally {
      await robot.endAsync();
      await subscriber.close();
    }
  });
});
