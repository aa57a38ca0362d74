// The freshness rule of robot-data reads (src/core/read-freshness.ts): when a history read may
// be answered by the replica, how the replica's replay lag is read from what it says about
// itself, and which Cache-Control asks for fresh data.
import { describe, expect, it } from 'vitest';
import {
  asksForFresh,
  historyReadSource,
  type ReplicaReplayState,
  replayLagMs,
} from '../../src/core/read-freshness.js';

describe('historyReadSource', () => {
  const replicaAt = (lagMs: number | undefined, maxLagMs = 1000) =>
    historyReadSource({ hasReplica: true, mustBeFresh: false, maxLagMs, lagMs });

  it('reads the replica while its lag is within the bound, the bound included', () => {
    expect(replicaAt(0)).toBe('replica');
    expect(replicaAt(999)).toBe('replica');
    expect(replicaAt(1000)).toBe('replica');
  });

  it('reads the primary once the lag is past the bound', () => {
    expect(replicaAt(1001)).toBe('primary');
    expect(replicaAt(60_000)).toBe('primary');
  });

  it('reads the primary when the lag is unknown (unreachable, not a standby, not streaming)', () => {
    expect(replicaAt(undefined)).toBe('primary');
  });

  it('a bound of 0 means never the replica, even one that is caught up', () => {
    expect(replicaAt(0, 0)).toBe('primary');
  });

  it('a read that must be fresh reads the primary whatever the lag', () => {
    expect(historyReadSource({ hasReplica: true, mustBeFresh: true, maxLagMs: 1000, lagMs: 0 })).toBe(
      'primary',
    );
  });

  it('without a replica everything reads the primary', () => {
    expect(historyReadSource({ hasReplica: false, mustBeFresh: false, maxLagMs: 1000, lagMs: 0 })).toBe(
      'primary',
    );
  });
});

describe('replayLagMs', () => {
  const standby: ReplicaReplayState = {
    inRecovery: true,
    streaming: true,
    caughtUp: false,
    sinceLastReplayMs: 250,
  };

  it('is 0 when everything received is replayed, however old the last replayed commit', () => {
    // A quiet primary: the last commit may be an hour old, and the replica holds all of it.
    expect(replayLagMs({ ...standby, caughtUp: true, sinceLastReplayMs: 3_600_000 })).toBe(0);
    expect(replayLagMs({ ...standby, caughtUp: true, sinceLastReplayMs: null })).toBe(0);
  });

  it('is the age of the last replayed commit while received WAL waits to be replayed', () => {
    expect(replayLagMs(standby)).toBe(250);
    expect(replayLagMs({ ...standby, sinceLastReplayMs: 45_000 })).toBe(45_000);
  });

  it('never is negative (the replica’s clock a little behind the primary’s)', () => {
    expect(replayLagMs({ ...standby, sinceLastReplayMs: -20 })).toBe(0);
  });

  it('is unknown before any commit was replayed, with WAL waiting', () => {
    expect(replayLagMs({ ...standby, sinceLastReplayMs: null })).toBeUndefined();
  });

  it('is unknown for a database that is not a standby', () => {
    expect(replayLagMs({ ...standby, inRecovery: false, caughtUp: true })).toBeUndefined();
  });

  it('is unknown for a standby whose WAL receiver is not streaming: caught up with what it has, not with the primary', () => {
    expect(replayLagMs({ ...standby, streaming: false, caughtUp: true })).toBeUndefined();
  });

  it('trusts the LSNs when the receiver’s status is hidden from the role', () => {
    expect(replayLagMs({ ...standby, streaming: undefined, caughtUp: true })).toBe(0);
  });
});

describe('asksForFresh', () => {
  it('no-cache asks for fresh data, in any case, alone or in a list, in any repeat of the header', () => {
    expect(asksForFresh('no-cache')).toBe(true);
    expect(asksForFresh('No-Cache')).toBe(true);
    expect(asksForFresh('max-age=60, no-cache')).toBe(true);
    expect(asksForFresh(' no-cache ,no-store')).toBe(true);
    expect(asksForFresh(['max-age=60', 'no-cache'])).toBe(true);
    // The field form (RFC 9111 §5.2.2.4) is a response directive; a request carrying it still says no-cache.
    expect(asksForFresh('no-cache="x"')).toBe(true);
  });

  it('anything else does not', () => {
    expect(asksForFresh(undefined)).toBe(false);
    expect(asksForFresh('')).toBe(false);
    expect(asksForFresh('max-age=0')).toBe(false);
    expect(asksForFresh('no-store')).toBe(false);
    expect(asksForFresh('no-cachex')).toBe(false);
    expect(asksForFresh([])).toBe(false);
  });
});
