// A failover under load, the same way for a Redis Cluster and for one Redis
// watched by Sentinel: askers (askers.mjs) ask until `minAcked` are
// acknowledged, then the `victim()` master is killed with SIGKILL; once
// `takenOver(victim)` says a replica is in charge, the dead node is
// started again (as an orchestrator would; it comes back as a replica, so
// that --redis-replicas 1 can be met again), the askers go on for
// `afterMs`, then stop and wait for every question they asked to be
// acknowledged (retrying with the same rid, as the pages do).
import { waitUntil } from './harness.mjs';

export async function failoverUnderLoad(askers, { victim, takenOver, minAcked = 300, afterMs = 2000, drainMs = 60000 }) {
  const acked = () => askers.reduce((n, a) => n + a.acked.size, 0);
  const t0 = Date.now();
  await waitUntil(`${minAcked} asks acknowledged`, () => acked() >= minAcked, 30000, 20);
  const rate = acked() / ((Date.now() - t0) / 1000);
  const node = victim();
  const tKill = Date.now();
  await node.kill('SIGKILL');
  await takenOver(node);
  const tOver = Date.now();
  await node.launch();
  await new Promise((res) => setTimeout(res, afterMs));	// load goes on after the failover, on purpose
  await Promise.all(askers.map((a) => a.drain(drainMs)));
  const tDone = Date.now();
  const unavailable = askers.reduce((n, a) => n + (a.errors.unavailable || 0), 0);
  return {
    summary: `${askers.length} askers at ${rate.toFixed(0)} acks/s before kill -9 of the master on port ${node.port}; ` +
      `a replica in charge ${((tOver - tKill) / 1000).toFixed(1)} s later (the dead node then restarted); ` +
      `${unavailable} answers unavailable, each asked again with its rid; every ask acknowledged ` +
      `${((tDone - tKill) / 1000).toFixed(1)} s after the kill`,
  };
}
