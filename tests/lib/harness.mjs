// Test harness: real redis-server processes on free ports with their own
// data directories, real hub processes (the sanitizer build by default),
// and real WebSocket clients speaking qa.v1. Nothing is mocked.
//
// Every wait is a condition with a deadline (waitUntil), never a sleep.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..');
export const HUB_BIN = process.env.SURAK_BIN || join(ROOT, 'build', 'san', 'surak');
// The release build, for tests that measure memory (the sanitizers' own
// bookkeeping would hide what the hub holds).
export const RELEASE_BIN = join(ROOT, 'build', 'surak');
export const ADMIN_TOKEN = 'test-admin-token-' + randomBytes(8).toString('hex');

export async function waitUntil(what, fn, timeoutMs = 5000, everyMs = 20) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (e.fatal) throw e;
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
        (last ? ` (last error: ${last.message})` : ''));
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function exited(proc) {
  return proc.exitCode !== null || proc.signalCode !== null;
}

function waitExit(proc, timeoutMs = 10000) {
  if (exited(proc)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('process did not exit')), timeoutMs);
    proc.once('exit', () => { clearTimeout(t); resolve(); });
  });
}

// Resident memory of a process, in KiB.
export function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]);
}

// The processes a process has started (a --workers supervisor's workers,
// nginx's), none if it is gone.
export function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// A redis-server of our own: free port, private data dir, AOF with
// appendfsync always (as make run starts it).
export class Redis {
  // opts.replicaOf: the port of a master this one replicates (started
  // once its first sync is done).
  static async start(opts = {}) {
    const r = new Redis();
    r.opts = opts;
    r.dir = mkdtempSync(join(tmpdir(), 'surak-redis-'));
    r.port = await freePort();
    await r.launch();
    if (opts.replicaOf) {
      await waitUntil('the replica in sync', () => /master_link_status:up/.test(r.cli('INFO', 'replication')), 15000, 50);
    }
    return r;
  }

  get url() { return `redis://127.0.0.1:${this.port}`; }

  async launch() {
    this.proc = spawn('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--save', '', '--appendonly', 'yes', '--appendfsync', 'always',
      '--protected-mode', 'no', '--logfile', join(this.dir, 'redis.log'),
      ...(this.opts?.replicaOf ? ['--replicaof', '127.0.0.1', String(this.opts.replicaOf)] : []),
      ...(this.opts?.cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', join(this.dir, 'nodes.conf'),
        '--cluster-node-timeout', String(this.opts.nodeTimeoutMs), '--cluster-port', String(this.opts.busPort)] : []),
    ], { stdio: 'ignore' });
    live.add(this.proc);
    this.proc.once('exit', () => live.delete(this.proc));
    await waitUntil(`redis on port ${this.port}`, () => this.cli('PING') === 'PONG', 10000);
  }

  cli(...args) {
    return execFileSync('redis-cli', ['-p', String(this.port), ...args.map(String)],
      { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  async kill(signal = 'SIGKILL') {
    this.proc.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await waitExit(this.proc);
  }

  async restart() {
    if (!exited(this.proc)) await this.kill();
    await this.launch();
  }

  async stop() {
    if (this.proc && !exited(this.proc)) {
      this.proc.kill('SIGKILL');
      await waitExit(this.proc);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// A Redis Cluster of our own on loopback, from Debian's redis-server:
// `masters` masters with `replicas` replicas each (redis-cli --cluster
// create), every node with its own port, bus port and data dir, AOF with
// appendfsync always, and a short node timeout so a failover takes seconds.
export class RedisCluster {
  static async start({ masters = 3, replicas = 1, nodeTimeoutMs = 1000 } = {}) {
    const c = new RedisCluster();
    c.nodes = [];
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const n = new Redis();
      n.opts = { cluster: true, nodeTimeoutMs, busPort: await freePort() };
      n.dir = mkdtempSync(join(tmpdir(), 'surak-cluster-'));
      n.port = await freePort();
      await n.launch();
      c.nodes.push(n);
    }
    execFileSync('redis-cli', ['--cluster', 'create', ...c.nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas', String(replicas), '--cluster-yes'], { stdio: 'ignore', timeout: 30000 });
    await c.waitOk();
    // Every master's replicas online (their first sync done), so WAIT can be met.
    await waitUntil('the replicas in sync', () => c.slots().every(({ node }) => {
      const info = node.cli('INFO', 'replication');
      return (info.match(/state=online/g) || []).length >= replicas;
    }), 30000, 100);
    return c;
  }

  // What a hub is given: --redis-cluster with every node as a seed.
  get seeds() { return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(','); }
  get url() { return `redis://127.0.0.1:${this.nodes[0].port}`; }

  alive() { return this.nodes.filter((n) => !exited(n.proc)); }

  // Every live node says the cluster is ok and agrees on who serves every slot.
  async waitOk(timeoutMs = 30000) {
    await waitUntil('the cluster ok on every live node', () => this.alive().every((n) => {
      try {
        return /cluster_state:ok/.test(n.cli('CLUSTER', 'INFO')) && /cluster_slots_ok:16384/.test(n.cli('CLUSTER', 'INFO'));
      } catch { return false; }
    }), timeoutMs, 100);
  }

  // The slot map as a live node sees it: [{lo, hi, node}], node the master's Redis.
  slots() {
    for (const n of this.alive()) {
      let shards;
      try {
        shards = JSON.parse(execFileSync('redis-cli', ['-p', String(n.port), '--json', 'CLUSTER', 'SLOTS'],
          { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }));
      } catch { continue; }
      return shards.map(([lo, hi, [, port]]) => ({ lo, hi, node: this.nodes.find((x) => x.port === Number(port)) }));
    }
    throw new Error('no live cluster node answers CLUSTER SLOTS');
  }

  // The master that serves a slot now.
  master(slot, map = this.slots()) {
    return map.find((r) => slot >= r.lo && slot <= r.hi)?.node ?? null;
  }

  // Room ids PREFIX-0, PREFIX-1, … chosen so that each master serves
  // `perMaster` of them: [{ id, master }].
  roomsOnMasters(prefix, perMaster) {
    const map = this.slots(), per = new Map(), out = [];
    const masters = new Set(map.map((r) => r.node)).size;
    for (let i = 0; out.length < perMaster * masters; i++) {
      const id = `${prefix}-${i}`;
      const m = this.master(this.slotOf(`surak:{${id}}`), map);
      if ((per.get(m) || 0) >= perMaster) continue;
      per.set(m, (per.get(m) || 0) + 1);
      out.push({ id, master: m });
    }
    return out;
  }

  // The master that has processed the most commands so far.
  busiestMaster() {
    return [...new Set(this.slots().map((r) => r.node))]
      .map((m) => ({ m, n: Number(/total_commands_processed:(\d+)/.exec(m.cli('INFO', 'stats'))[1]) }))
      .sort((x, y) => y.n - x.n)[0].m;
  }

  // After `victim` died: until a live master serves every slot and the cluster is ok.
  async waitTakenOver(victim) {
    await waitUntil('a live master for every slot', () => {
      try { return this.slots().every(({ node }) => node !== victim); } catch { return false; }
    }, 30000, 100);
    await this.waitOk();
  }

  slotOf(key) { return Number(this.alive()[0].cli('CLUSTER', 'KEYSLOT', key)); }

  // Moves a slot and its keys to another master, as redis-cli --cluster
  // reshard does: IMPORTING and MIGRATING, MIGRATE a hundred keys at a
  // time, then every master told the slot's new node.
  moveSlot(slot, to) {
    const map = this.slots(), from = this.master(slot, map);
    const id = (n) => n.cli('CLUSTER', 'MYID');
    to.cli('CLUSTER', 'SETSLOT', slot, 'IMPORTING', id(from));
    from.cli('CLUSTER', 'SETSLOT', slot, 'MIGRATING', id(to));
    for (;;) {
      const keys = from.cli('CLUSTER', 'GETKEYSINSLOT', slot, 100).split('\n').filter(Boolean);
      if (keys.length === 0) break;
      from.cli('MIGRATE', '127.0.0.1', to.port, '', 0, 5000, 'KEYS', ...keys);
    }
    for (const m of new Set(map.map((r) => r.node))) m.cli('CLUSTER', 'SETSLOT', slot, 'NODE', id(to));
    return from;
  }

  // redis-cli in cluster mode (follows MOVED) against a live node.
  cli(...args) {
    return execFileSync('redis-cli', ['-c', '-p', String(this.alive()[0].port), ...args.map(String)],
      { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  async stop() {
    for (const n of this.nodes) await n.stop();
  }
}

// A Redis Sentinel of our own watching `master` (a Redis) as "surak",
// quorum 1, quick to judge it down (1 s) and to fail over.
export class Sentinel {
  static async start(master, { name = 'surak' } = {}) {
    const s = new Sentinel();
    s.name = name;
    s.dir = mkdtempSync(join(tmpdir(), 'surak-sentinel-'));
    s.port = await freePort();
    const conf = join(s.dir, 'sentinel.conf');
    writeFileSync(conf, [`port ${s.port}`, 'bind 127.0.0.1', `dir ${s.dir}`, `logfile ${join(s.dir, 'sentinel.log')}`,
      `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`, `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 3000`, ''].join('\n'));
    s.proc = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    live.add(s.proc);
    s.proc.once('exit', () => live.delete(s.proc));
    await waitUntil('the sentinel knows the master and its replicas', () => {
      try { return s.cli('SENTINEL', 'replicas', name).includes('127.0.0.1'); } catch { return false; }
    }, 20000, 100);
    return s;
  }

  get address() { return `127.0.0.1:${this.port}`; }

  cli(...args) {
    return execFileSync('redis-cli', ['-p', String(this.port), ...args.map(String)],
      { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  // The port of the master the sentinel names now.
  masterPort() {
    return Number(this.cli('SENTINEL', 'get-master-addr-by-name', this.name).split('\n')[1]);
  }

  // Until the sentinel names `replica` the master.
  waitPromoted(replica) {
    return waitUntil('Sentinel names the replica the master', () => {
      try { return this.masterPort() === replica.port; } catch { return false; }
    }, 30000, 100);
  }

  async stop() {
    if (this.proc && !exited(this.proc)) {
      this.proc.kill('SIGKILL');
      await waitExit(this.proc);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// A hub process. Its stderr goes to a file that is checked for sanitizer
// reports when it stops.
export class Hub {
  static async start(redis, opts = {}) {
    const h = new Hub();
    h.redisUrl = redis.url;
    h.redisSeeds = redis.seeds;	// a RedisCluster's
    h.opts = opts;
    h.port = opts.port || await freePort();
    h.logDir = mkdtempSync(join(tmpdir(), 'surak-hub-'));
    h.logFile = join(h.logDir, 'hub.log');
    await h.launch();
    return h;
  }

  get url() { return `http://127.0.0.1:${this.port}`; }
  get wsUrl() { return `ws://127.0.0.1:${this.port}/ws`; }

  async launch() {
    const fd = openSync(this.logFile, 'a');
    const args = ['--port', String(this.port),
      ...(this.redisSeeds ? ['--redis-cluster', this.redisSeeds] : ['--redis', this.redisUrl]),
      '--web', join(ROOT, 'web'), ...(this.opts.args || [])];
    // opts.fileLimit: the hub runs with that open-files limit (prlimit execs it: same pid).
    const [cmd, argv] = this.opts.fileLimit
      ? ['prlimit', [`--nofile=${this.opts.fileLimit}:${this.opts.fileLimit}`, this.opts.bin || HUB_BIN, ...args]]
      : [this.opts.bin || HUB_BIN, args];
    this.proc = spawn(cmd, argv, {
      stdio: ['ignore', fd, fd],
      env: {
        ...process.env,
        SURAK_ADMIN_TOKEN: ADMIN_TOKEN,
        SURAK_LOG_LEVEL: 'info',
        ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=23',
        UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
        ...(this.opts.env || {}),
      },
    });
    live.add(this.proc);
    this.proc.once('exit', () => live.delete(this.proc));
    closeSync(fd);
    if (this.opts.waitHealthy !== false) {
      await waitUntil(`hub on port ${this.port} healthy`, async () => {
        if (exited(this.proc)) {
          throw Object.assign(new Error('hub exited: ' + this.log().slice(-2000)), { fatal: true });
        }
        const r = await fetch(this.url + '/healthz');
        return r.status === 200;
      }, 15000);
    }
  }

  log() {
    try { return readFileSync(this.logFile, 'utf8'); } catch { return ''; }
  }

  // Resident memory of the hub process, in KiB.
  rssKiB() {
    return rssKiB(this.proc.pid);
  }

  // One sample of GET /metrics, by its full name: 'surak_acks_total' or
  // 'surak_connections{role="viewer"}'.
  async metric(sample) {
    const text = await (await fetch(this.url + '/metrics')).text();
    const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
    return line === undefined ? undefined : Number(line.slice(sample.length + 1));
  }

  // Fails if the sanitizers reported anything so far.
  assertClean() {
    const log = this.log();
    if (/Sanitizer|runtime error/.test(log)) {
      throw new Error('sanitizer report in hub log:\n' + log.slice(-4000));
    }
  }

  async kill(signal = 'SIGKILL') {
    this.proc.kill(signal);
    await waitExit(this.proc, 20000);
  }

  async restart() {
    if (!exited(this.proc)) await this.kill();
    await this.launch();
  }

  // Graceful stop (SIGTERM), then the sanitizer check.
  async stop() {
    if (this.proc && !exited(this.proc)) {
      this.proc.kill('SIGTERM');
      try {
        await waitExit(this.proc, 20000);
      } catch {
        this.proc.kill('SIGKILL');
        await waitExit(this.proc);
      }
    }
    this.assertClean();
    rmSync(this.logDir, { recursive: true, force: true });
  }
}

// Every process started by this harness, so none outlives the test run.
const live = new Set();
process.on('exit', () => {
  for (const p of live) {
    try { p.kill('SIGKILL'); } catch { /* gone */ }
  }
});

// Stops everything given (hubs, then Redis), even if some stops fail, and
// then reports the first failure (a sanitizer report, say).
export async function stopAll(...things) {
  let first = null;
  for (const t of things) {
    if (!t) continue;
    try {
      await t.stop();
    } catch (e) {
      first ??= e;
    }
  }
  if (first) throw first;
}

export async function createRoom(hub, body) {
  const r = await fetch(hub.url + '/api/rooms', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + ADMIN_TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await r.json();
  if (r.status !== 201) throw new Error(`room creation: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

export function newClientId() {
  return 'c' + randomBytes(12).toString('hex');
}

let ridCounter = 0;

// A qa.v1 client that keeps what it receives and the room state it implies.
export class Client {
  constructor(url, opts = {}) {
    this.url = url;
    this.opts = opts;
    this.messages = [];
    this.questions = new Map();
    this.seq = 0;
    this.epoch = null;
    this.closed = null;
    this.welcomes = 0;
  }

  static async connect(hub, hello, opts = {}) {
    const c = new Client(hub.wsUrl || hub, opts);
    await c.open();
    if (hello) await c.hello(hello);
    return c;
  }

  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, this.opts.protocol ?? 'qa.v1', {
        headers: this.opts.headers || {},
        localAddress: this.opts.localAddress,
      });
      this.ws = ws;
      ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
      ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() }; });
      ws.once('open', () => resolve(this));
      ws.once('unexpected-response', (req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  onMessage(data) {
    const m = JSON.parse(data.toString());
    if (m.type === 'welcome') this.welcomeBytes = data.length;
    this.messages.push(m);
    this.apply(m);
  }

  apply(m) {
    if (m.type === 'welcome') {
      this.welcomes++;
      this.welcome = m;
      if (!m.resumed || m.epoch !== this.epoch) this.questions = new Map();
      this.epoch = m.epoch;
      this.seq = m.seq;
      this.room = m.room;
      for (const q of m.questions || []) this.questions.set(q.id, q);
    } else if (m.type === 'batch') {
      for (const e of m.events) this.apply(e);
      if (m.seq) this.seq = Math.max(this.seq, m.seq);
    } else if (m.type === 'event') {
      this.seq = Math.max(this.seq, m.seq);
      if (m.op === 'upsert') {
        const prev = this.questions.get(m.q.id);
        this.questions.set(m.q.id, { ...(prev && { mine: prev.mine, voted: prev.voted }), ...m.q });
      } else if (m.op === 'remove') this.questions.delete(m.id);
      else if (m.op === 'room') this.room = m.room;
    }
  }

  async hello(hello) {
    const before = this.messages.length;
    this.send({ type: 'hello', ...hello });
    const m = await this.waitFor((x) => x.type === 'welcome' || x.type === 'error', 10000, before);
    if (m.type === 'error') {
      const err = new Error(`hello refused: ${m.code}`);
      err.reply = m;
      throw err;
    }
    return m;
  }

  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  // Sends a command and resolves with its ack or error.
  async cmd(obj, timeoutMs = 5000) {
    const rid = obj.rid || `r${++ridCounter}`;
    const before = this.messages.length;
    this.send({ ...obj, rid });
    return this.waitFor((m) => (m.type === 'ack' || m.type === 'error') && m.rid === rid,
      timeoutMs, before);
  }

  // The first message from index `from` on that matches, within the deadline.
  waitFor(pred, timeoutMs = 5000, from = 0) {
    return waitUntil('a matching message', () => {
      for (let i = from; i < this.messages.length; i++) {
        if (pred(this.messages[i])) return this.messages[i];
      }
      if (this.closed && this.closed.code !== undefined && !this.opts.allowClose) {
        throw new Error(`connection closed (${this.closed.code} ${this.closed.reason})`);
      }
      return null;
    }, timeoutMs);
  }

  waitState(what, pred, timeoutMs = 5000) {
    return waitUntil(what, () => pred(this), timeoutMs);
  }

  waitClose(timeoutMs = 5000) {
    return waitUntil('the connection to close', () => this.closed, timeoutMs);
  }

  close() {
    try { this.ws.terminate(); } catch { /* already gone */ }
  }
}

export function viewerHello(room, client = newClientId()) {
  return { room, role: 'viewer', client };
}

// A staff account, made as an operator would: `surak staff add` with the
// password on standard input.
export function addStaff(redis, { login, name, roles, departments = [], password }) {
  const args = ['staff', 'add', login, '--name', name, ...roles.flatMap((r) => ['--role', r]),
    ...departments.flatMap((d) => ['--department', d]),
    ...(redis.seeds ? ['--redis-cluster', redis.seeds] : ['--redis', `redis://127.0.0.1:${redis.port}`])];
  return JSON.parse(execFileSync(HUB_BIN, args, { input: `${password}\n`, encoding: 'utf8', timeout: 30000 }));
}

// Signs in; the session cookie ("surak_sid=…") for later requests.
export async function signIn(hub, login, password) {
  const r = await fetch(hub.url + '/api/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login, password }),
  });
  if (r.status !== 200) throw new Error(`sign-in of ${login}: ${r.status} ${await r.text()}`);
  return r.headers.get('set-cookie').split(';')[0];
}
