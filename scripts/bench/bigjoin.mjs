// Benchmark: the big-room reconnect of issue 12: 19,000 viewers of a room
// of 20,000 questions, 2,000 of them approved, back after a hub restart
// (SIGKILL) within 5 s: the reconnect storm with a big room, three runs.
//   VIEWERS=19000 RUNS=3 QUESTIONS=20000 APPROVED=2000
process.env.QUESTIONS ??= '20000';
process.env.APPROVED ??= '2000';
process.env.RUNS ??= '3';
await import('./reconnect.mjs');
