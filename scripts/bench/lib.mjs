// What the benchmark scenarios share: the release hub on its own Redis
// (appendfsync always), the peers (bare broadcaster, Nchan, Socket.IO),
// rooms filled through the hub's own API, and the load tool
// (build/surak-load), whose summary line is parsed into numbers.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Redis, Hub, Client, RELEASE_BIN, ROOT, freePort, waitUntil, createRoom, viewerHello, newClientId, childPids, rssKiB,
} from '../../tests/lib/harness.mjs';

export { Redis, rssKiB };
const here = dirname(fileURLToPath(import.meta.url));
const LOAD_BIN = join(ROOT, 'build', 'surak-load');
const BARE_BIN = join(ROOT, 'build', 'bare-broadcast');

// The hub's limits are made for residents; a benchmark plays thousands of
// them from 50 addresses, so they are lifted for it (and only for it).
const BENCH_ARGS = ['--ask-rate', '100000', '--ask-rate-ip', '1000000', '--vote-rate', '100000',
  '--vote-rate-ip', '1000000', '--similar-rate', '100000', '--conns-per-ip', '20000',
  '--vote-burst', '1000000', '--log-level', 'warn'];

// The release hub (or HUB_BIN); with bin, another build of it (BASE_BIN:
// an earlier commit's build/surak, to compare two versions in one run);
// extra: flags of the scenario's own, after HUB_ARGS.
export function startHub(redis, workers = 1, bin = process.env.HUB_BIN || RELEASE_BIN, extra = []) {
  const env = (process.env.HUB_ARGS || '').split(' ').filter(Boolean);
  return Hub.start(redis, { bin, args: [...BENCH_ARGS, '--workers', String(workers), ...env, ...extra] });
}

// Every process of a hub: the supervisor's workers, or the one hub.
export function hubPids(hub) {
  const workers = childPids(hub.proc.pid);
  return workers.length ? workers : [hub.proc.pid];
}

// The hub's counters (`/metrics`) named, by their short names: {short: value};
// one a build does not have reads 0.
export async function hubCounters(hub, names) {
  const text = await (await fetch(hub.url + '/metrics')).text();
  const out = {};
  for (const [short, name] of Object.entries(names)) {
    out[short] = Number((text.match(new RegExp(`^${name} (\\d+)`, 'm')) || [0, 0])[1]);
  }
  return out;
}

// CPU time of a process so far, in seconds.
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

// Starts counting the CPU the processes use; the function returned gives
// the seconds they have used since, all together (a process that has
// exited counts for what it had used when last seen).
export function cpuMeter(pids) {
  const start = pids.map(cpuSeconds);
  const last = [...start];
  return () => pids.reduce((sum, pid, i) => {
    try { last[i] = cpuSeconds(pid); } catch { /* gone */ }
    return sum + last[i] - start[i];
  }, 0);
}

// A room with `questions` questions, the first `approved` of them approved.
// Asked by 16 viewers at 16 in flight each; the texts differ by their
// numbers, so none is a duplicate of another.
export async function benchRoom(hub, id, questions, approved = questions) {
  const room = await createRoom(hub, { id, title: 'Benchmark', moderation: true });
  const ids = await fill(hub, id, questions, (i) => `Вопрос для замера номер ${i}: когда починят дорогу у дома ${i}?`);
  for (const a of await approveAll(hub, room, ids.slice(0, approved))) {
    if (a.type !== 'ack') throw new Error('approve: ' + JSON.stringify(a));
  }
  return { id, key: room.moderator_key, ids };
}

// A moderator of `room` (as createRoom() made it) approves the questions
// `ids`, 64 at a time; resolves with the replies, in the order of ids.
async function approveAll(hub, room, ids) {
  const mod = await Client.connect(hub, { type: 'hello', room: room.id, role: 'moderator', key: room.moderator_key, client: newClientId() });
  const replies = [];
  for (let i = 0; i < ids.length; i += 64) {
    replies.push(...await Promise.all(ids.slice(i, i + 64)
      .map((q) => mod.cmd({ type: 'moderate', id: q, action: 'approve' }, 30000))));
  }
  mod.close();
  return replies;
}

async function fill(hub, room, count, text) {
  const cs = await Promise.all(Array.from({ length: 16 }, () => Client.connect(hub, viewerHello(room))));
  const ids = [];
  let next = 0;
  await Promise.all(cs.flatMap((c) => Array.from({ length: 16 }, async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const a = await c.cmd({ type: 'ask', text: text(i) }, 60000);
      if (a.type !== 'ack' || a.duplicate_of != null) throw new Error(`ask ${i}: ${JSON.stringify(a)}`);
      ids[i] = a.id;
    }
  })));
  cs.forEach((c) => c.close());
  return ids;
}

// The deployment's memory of an earlier broadcast (past_note.lua): the
// ingest load's askers flat out for `seconds` into a room "earlier", then
// every question of it approved by a moderator, which records it there.
// The ingest texts are a hundred topic-and-street pairs, so the memory's
// buckets of those words fill (the newest 64 each), as a deployment's do
// for the common ones after a few broadcasts. Returns how many it holds.
export async function pastMemory(hub, redis, seconds) {
  const room = await createRoom(hub, { id: 'earlier', title: 'An earlier broadcast', moderation: true });
  await load('ingest', ['--port', hub.port, '--room', room.id, '--askers', 64, '--window', 4,
    '--rate', 0, '--duration', seconds, '--drain', 10]);
  const last = Number(redis.cli('HGET', `surak:{${room.id}}:meta`, 'qid'));
  const replies = await approveAll(hub, room, Array.from({ length: last }, (_, k) => k + 1));
  const approved = replies.filter((a) => a.type === 'ack').length;   // a question merged into another has no row to approve
  const held = () => Number(redis.cli('EVAL', `return #redis.call('KEYS', 'surak:{@past}:q:${room.id}:*')`, '0'));
  await waitUntil(`${approved} questions in the deployment's memory`, () => held() >= approved, 120000, 200);
  return held();
}

// Runs the load tool. `onReady` (idle and reconnect modes) runs once every
// connection is up; in idle mode the tool stops when it returns. Resolves
// with the summary line and its key=value fields as numbers where they are.
export function load(mode, args, onReady = null) {
  return new Promise((resolve, reject) => {
    const p = spawn(LOAD_BIN, [mode, ...args.map(String)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '', readied = false;
    p.stdout.on('data', async (d) => {
      out += d;
      if (!readied && /^ready$/m.test(out)) {
        readied = true;
        try {
          if (onReady) await onReady();
        } catch (e) {
          p.kill('SIGKILL');
          reject(e);
          return;
        }
        p.stdin.end();
      }
    });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(mode + ' '));
      if (code !== 0 || !line) {
        reject(new Error(`surak-load ${mode} exited ${code}: ${err.slice(-2000)}`));
        return;
      }
      resolve({ line, ...fields(line) });
    });
    if (mode !== 'idle' && mode !== 'reconnect') p.stdin.end();
  });
}

function fields(line) {
  const f = {};
  for (const kv of line.split(' ').slice(1)) {
    const i = kv.indexOf('=');
    if (i < 0) continue;
    const v = kv.slice(i + 1);
    f[kv.slice(0, i)] = /^-?[\d.]+(ms|\/s)?$/.test(v) ? parseFloat(v) : v;
  }
  if (typeof f.delivered === 'string') {
    const [got, want] = f.delivered.split('/').map(Number);
    Object.assign(f, { got, want });
  }
  return f;
}

// Viewers per load-tool process: a process may hold 20,000 files, and one
// core's worth of reading is about 5,000 busy viewers.
export const procsFor = (viewers) => Math.max(1, Math.ceil(viewers / 5000));

// ---- the peers ----

// A peer as the scenarios use it: where it listens, the load tool's
// --target for it, its processes, and a stop that waits for them.
function peerOf(name, port, proc, dir, pids) {
  return {
    name, port, proc, dir, pids,
    args: ['--target', name],
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A process that listens on `port`, with the open-files limit raised to
// the hard limit (Node cannot raise its own).
function spawnPeer(cmd, args, port, name) {
  const dir = mkdtempSync(join(tmpdir(), `surak-bench-${name}-`));
  const log = join(dir, 'out.log');
  const proc = spawn('bash', ['-c', `ulimit -n "$(ulimit -Hn)"; exec "$0" "$@" >"${log}" 2>&1`, cmd, ...args],
    { stdio: 'ignore' });
  return peerOf(name, port, proc, dir, () => [proc.pid]);
}

// Accepts TCP connections (the bare broadcaster speaks nothing but
// WebSocket, so an HTTP request would tell nothing).
async function listening(peer) {
  await waitUntil(`${peer.name} on port ${peer.port}`, () => {
    if (peer.proc.exitCode !== null) {
      throw Object.assign(new Error(`${peer.name} exited: ` + readFileSync(join(peer.dir, 'out.log'), 'utf8')), { fatal: true });
    }
    return new Promise((resolve) => {
      const s = connect(peer.port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
  }, 15000, 50);
  return peer;
}

// One of the peers by its load-tool name: bare, nchan or socketio.
export function startPeer(name) {
  return name === 'bare' ? startBare() : name === 'nchan' ? startNchan() : startSocketIO();
}

async function startBare() {
  const port = await freePort();
  return listening(spawnPeer(BARE_BIN, [String(port)], port, 'bare'));
}

async function startSocketIO() {
  const port = await freePort();
  return listening(spawnPeer('node', [join(here, 'sio-server.mjs'), String(port)], port, 'socketio'));
}

// nginx with the Nchan module, as Debian ships them: one channel, a
// publisher location and a WebSocket subscriber location, a worker per core.
async function startNchan() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'surak-bench-nginx-'));
  const conf = join(dir, 'nginx.conf');
  const user = process.getuid() === 0 ? 'user root;\n' : '';
  writeFileSync(conf, `load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
${user}worker_processes auto;
worker_rlimit_nofile 20000;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} reuseport;
    location = / { return 200 "nchan\\n"; }
    location = /pub { nchan_publisher; nchan_channel_id $arg_id; }
    location ~ ^/sub/(\\w+)$ { nchan_subscriber websocket; nchan_channel_id $1; }
  }
}
`);
  const proc = spawn('/usr/sbin/nginx', ['-e', join(dir, 'error.log'), '-p', dir, '-c', conf], { stdio: 'ignore' });
  const peer = peerOf('nchan', port, proc, dir, () => childPids(proc.pid));
  proc.on('exit', () => { peer.exited = true; });
  await waitUntil(`nginx on port ${port}`, async () => {
    if (peer.exited) throw Object.assign(new Error('nginx exited: ' + readFileSync(join(dir, 'error.log'), 'utf8')), { fatal: true });
    try { return (await fetch(`http://127.0.0.1:${port}/`)).status === 200; } catch { return false; }
  }, 15000, 50);
  return peer;
}


// Rewrites Redis's append-only file now and waits for it to finish, so a
// measurement does not run during one: a room just filled makes the file
// double, Redis then rewrites it in a child while the parent fsyncs every
// write, and asks measured meanwhile take several times longer.
export async function settleAof(redis) {
  const busy = () => /aof_rewrite_in_progress:1|aof_rewrite_scheduled:1/.test(redis.cli('INFO', 'persistence'));
  await waitUntil('no AOF rewrite in progress', () => !busy(), 120000, 100);
  redis.cli('BGREWRITEAOF');
  await waitUntil('the AOF rewrite to finish', () => !busy(), 120000, 100);
}
