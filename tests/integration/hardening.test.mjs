// The hub binary is built hardened (Makefile: HARDEN, -pie, full RELRO),
// and no request path, however it is spelled, reads a file outside web/.
// Paths are sent raw over a socket (as curl --path-as-is would), so nothing
// on the client side tidies them first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { Redis, Hub, RELEASE_BIN, stopAll } from '../lib/harness.mjs';

let redis, hub;

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis);
});

after(async () => {
  await stopAll(hub, redis);
});

test('the release binary is a PIE with full RELRO, a stack protector and fortified libc calls', () => {
  const readelf = (...a) => execFileSync('readelf', ['-W', ...a, RELEASE_BIN], { encoding: 'utf8' });
  assert.match(readelf('-h'), /Type:\s+DYN/, 'position-independent');
  assert.match(readelf('-l'), /GNU_RELRO/, 'RELRO segment');
  assert.match(readelf('-d'), /BIND_NOW|FLAGS_1.*NOW/, 'bound now: full RELRO');
  const syms = readelf('--dyn-syms');
  assert.match(syms, /__stack_chk_fail/, 'stack protector');
  assert.match(syms, /__(memcpy|snprintf|vsnprintf)_chk/, '_FORTIFY_SOURCE');
});

// One raw HTTP request; resolves with the status and the body.
function raw(path) {
  return new Promise((resolve, reject) => {
    const s = connect(hub.port, '127.0.0.1');
    let data = '';
    s.setEncoding('latin1');
    s.on('data', (d) => { data += d; });
    s.on('error', reject);
    s.on('close', () => resolve({ status: Number((data.match(/^HTTP\/1\.1 (\d{3})/) || [])[1]), body: data }));
    s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    setTimeout(() => s.destroy(), 5000);
  });
}

test('path traversal, plain and encoded, never leaves web/', async () => {
  const paths = [
    '/static/../../../../etc/passwd', '/static/../../server/main.c', '/static/js/../../../Makefile',
    '/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/static/%2E%2E/%2E%2E/server/main.c',
    '/static/..%2f..%2f..%2fetc%2fpasswd', '/static/%2e%2e%2f%2e%2e%2fMakefile', '/static/....//....//etc/passwd',
    '/static/..\\..\\..\\etc\\passwd', '/static/%252e%252e/%252e%252e/etc/passwd', '/static//etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd', '/../../etc/passwd', '/r/../../etc/passwd', '/r/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/api/rooms/..%2f..%2fetc/export.json', '/static/%00/../../etc/passwd',
  ];
  for (const p of paths) {
    const r = await raw(p);
    assert.ok(!/root:[x*]?:0:0/.test(r.body), `${p} served /etc/passwd`);
    assert.ok(!/#include|MODULES :=/.test(r.body), `${p} served a source file`);
    assert.ok(r.status >= 400 || r.status === 200 && /<!doctype html>|text\/css|javascript/i.test(r.body),
      `${p}: ${r.status}`);
  }
  // What is inside web/ is still served, whatever the spelling.
  assert.equal((await raw('/static/js/../css/surak.css')).status, 200);
});
