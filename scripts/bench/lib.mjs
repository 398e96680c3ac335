// What the benchmark scenarios share: the release hub on its own Redis
// (appendfsync always), the peers (bare broadcaster, Nchan, Socket.IO),
// rooms filled through the hub's own API, and the load tool
// (build/surak-load), whose summary line is parsed into numbers.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Redis, Hub, Client, ADMIN_TOKEN, RELEASE_BIN, ROOT, freePort, waitUntil, createRoom, viewerHello, newClientId,
} from '../../tests/lib/harness.mjs';

export { Redis, Hub, ROOT };
const here = dirname(fileURLToPath(import.meta.url));
export const LOAD_BIN = join(ROOT, 'build', 'surak-load');
const BARE_BIN = join(ROOT, 'build', 'bare-broadcast');

// The hub's limits are made for residents; a benchmark plays thousands of
// them from 50 addresses, so they are lifted for it (and only for it).
const BENCH_ARGS = ['--ask-rate', '100000', '--ask-rate-ip', '1000000', '--vote-rate', '100000',
  '--vote-rate-ip', '1000000', '--similar-rate', '100000', '--conns-per-ip', '20000',
  '--vote-burst', '1000000', '--log-level', 'warn'];

export function startHub(redis, workers = 1, extra = []) {
  const env = (process.env.HUB_ARGS || '').split(' ').filter(Boolean);
  return Hub.start(redis, { bin: RELEASE_BIN, args: [...BENCH_ARGS, '--workers', String(workers), ...extra, ...env] });
}

// Every process of a hub: the supervisor and its workers, or the one hub.
export function hubPids(hub) {
  let kids = [];
  try {
    kids = readFileSync(`/proc/${hub.proc.pid}/task/${hub.proc.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch { /* gone */ }
  return kids.length ? kids.map(Number) : [hub.proc.pid];
}

export function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]);
}

// CPU time of a process so far, in seconds.
export function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

// A room with `questions` questions, the first `approved` of them approved.
// Asked by 16 viewers at 16 in flight each; the texts differ by their
// numbers, so none is a duplicate of another.
export async function benchRoom(hub, id, questions, approved = questions, text = null) {
  const room = await createRoom(hub, { id, title: 'Benchmark', moderation: true });
  const ids = await fill(hub, id, questions, text || ((i) => `Вопрос для замера номер ${i}: когда починят дорогу у дома ${i}?`));
  const mod = await Client.connect(hub, { type: 'hello', room: id, role: 'moderator', key: room.moderator_key, client: newClientId() });
  for (let i = 0; i < approved; i += 64) {
    const acks = await Promise.all(ids.slice(i, Math.min(approved, i + 64))
      .map((q) => mod.cmd({ type: 'moderate', id: q, action: 'approve' }, 30000)));
    for (const a of acks) if (a.type !== 'ack') throw new Error('approve: ' + JSON.stringify(a));
  }
  mod.close();
  return { id, key: room.moderator_key, ids };
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

// A process that listens on `port`, with the open-files limit raised to
// the hard limit (Node cannot raise its own).
function spawnPeer(cmd, args, port, name) {
  const dir = mkdtempSync(join(tmpdir(), `surak-bench-${name}-`));
  const log = join(dir, 'out.log');
  const proc = spawn('bash', ['-c', `ulimit -n "$(ulimit -Hn)"; exec "$0" "$@" >"${log}" 2>&1`, cmd, ...args],
    { stdio: 'ignore' });
  const peer = {
    name, port, proc, dir,
    pids: () => [proc.pid],
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return peer;
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

export async function startBare() {
  const port = await freePort();
  return listening(spawnPeer(BARE_BIN, [String(port)], port, 'bare'));
}

export async function startSocketIO() {
  const port = await freePort();
  return listening(spawnPeer('node', [join(here, 'sio-server.mjs'), String(port)], port, 'socketio'));
}

// nginx with the Nchan module, as Debian ships them: one channel, a
// publisher location and a WebSocket subscriber location, a worker per core.
export async function startNchan() {
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
  const peer = {
    name: 'nchan', port, proc, dir,
    pids() {
      try {
        return readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
      } catch { return []; }
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  peer.proc.on('exit', () => { peer.exited = true; });
  await waitUntil(`nginx on port ${port}`, async () => {
    if (peer.exited) throw Object.assign(new Error('nginx exited: ' + readFileSync(join(dir, 'error.log'), 'utf8')), { fatal: true });
    try { return (await fetch(`http://127.0.0.1:${port}/`)).status === 200; } catch { return false; }
  }, 15000, 50);
  return peer;
}

export function machine() {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)[1];
  const mem = Number(readFileSync('/proc/meminfo', 'utf8').match(/MemTotal:\s+(\d+)/)[1]) / 1048576;
  const redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).split(' ')[2];
  return `${new Date().toISOString().slice(0, 16)}Z, ${readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm).length} cores (${cpu}), ${mem.toFixed(0)} GiB, Redis ${redis.replace('v=', '')}`;
}

export { ADMIN_TOKEN };
