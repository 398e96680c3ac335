// Benchmark: ingest with near-duplicate detection, in rooms of 20, 2,000
// and 20,000 questions, in the same run, against the release build with
// Redis on appendfsync always.
//
// For each room, 4,000 asks from 64 clients keeping 32 asks in flight: half
// new questions, half rewordings (typos, abbreviations, case, greetings)
// of questions already in the room. Reports throughput, ack latency
// percentiles, hub and Redis CPU per ask, and how many rewordings found
// their question. One line per room, then each room's ratio to the
// smallest. The questions are generated from templates, so they resemble
// each other far more than real ones (many differ only by a number): a
// hard case for the LSH buckets.

import { Client, createRoom, viewerHello } from '../../tests/lib/harness.mjs';
import { Redis, startHub, cpuMeter, settleAof } from './lib.mjs';

const SIZES = (process.env.SIZES || '20,2000,20000').split(',').map(Number);
const ASKS = Number(process.env.ASKS || 4000);
const INFLIGHT = 32;
const CLIENTS = 64;

const topics = ['Когда отремонтируют дорогу', 'Когда починят крышу', 'Почему нет горячей воды',
  'Почему нет света', 'Когда вывезут мусор', 'Когда установят светофор', 'Когда построят школу',
  'Когда откроют поликлинику', 'Почему не работает лифт', 'Когда уберут снег', 'Будет ли газ',
  'Когда заасфальтируют двор', 'Почему отключили отопление', 'Когда сделают остановку',
  'Когда починят канализацию', 'Будет ли детская площадка', 'Почему не горят фонари',
  'Когда посадят деревья', 'Почему затопило подвал', 'Когда снесут аварийный дом',
  'Мектепке қашан жөндеу жасалады', 'Ауылға жол қашан салынады', 'Су қашан беріледі'];
const places = ['на улице Абая', 'на улице Сатпаева', 'в микрорайоне Нурсая', 'в поселке Дамба',
  'на проспекте Азаттык', 'в Жилгородке', 'в Авангарде', 'на улице Курмангазы',
  'в микрорайоне Самал', 'на улице Махамбета', 'в поселке Ракуша', 'в Геологе',
  'на улице Жамбыла', 'на улице Пушкина', 'в микрорайоне Береке', 'в Индере', 'в Махамбете',
  'на улице Гагарина', 'в микрорайоне Алмагуль', 'на улице Тайманова'];
const objects = ['дом', 'школа', 'садик', 'корпус', 'подъезд', 'больница'];

let seed = 12345;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };

function question(i) {
  // Distinct by construction: the combination and the number come from i.
  const t = topics[i % topics.length];
  const p = places[Math.floor(i / topics.length) % places.length];
  const o = objects[Math.floor(i / (topics.length * places.length)) % objects.length];
  const n = 1 + Math.floor(i / (topics.length * places.length * objects.length));
  return `${t} ${p}, ${o} ${n}?`;
}

function reword(text) {
  let t = text.replace('на улице', 'на ул.').replace('микрорайоне', 'мкр').replace('проспекте', 'пр.');
  // A typo: one letter doubled inside the longest word.
  const words = t.split(' ');
  let longest = 0;
  for (let k = 1; k < words.length; k++) if (words[k].length > words[longest].length) longest = k;
  const w = words[longest];
  const at = 2 + rnd(Math.max(1, w.length - 4));
  words[longest] = w.slice(0, at) + w[at] + w.slice(at);
  t = words.join(' ');
  return rnd(2) ? t.toLowerCase().replace(/[?,.]/g, '') : `Здравствуйте! ${t} Спасибо`;
}

async function fill(hub, room, count) {
  const cs = await Promise.all(Array.from({ length: 16 }, () => Client.connect(hub, viewerHello(room))));
  let next = 0;
  const ids = [];
  await Promise.all(cs.map(async (c) => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const a = await c.cmd({ type: 'ask', text: question(i) }, 30000);
      if (a.type !== 'ack') throw new Error(JSON.stringify(a));
      ids[i] = a.id;
    }
  }));
  cs.forEach((c) => c.close());
  return ids;
}

let measured = 0;	// each measurement asks other new questions

async function measure(hub, redis, room, existing, ids, label) {
  const fresh0 = existing + 1000000 + 100000 * measured++;
  await settleAof(redis);
  const cs = await Promise.all(Array.from({ length: CLIENTS }, () => Client.connect(hub, viewerHello(room))));
  const lat = [];
  let next = 0, found = 0, rewordings = 0, fresh = 0, created = 0;
  const hubMeter = cpuMeter([hub.proc.pid]), redisMeter = cpuMeter([redis.proc.pid]), t0 = Date.now();
  await Promise.all(Array.from({ length: INFLIGHT }, async (_, w) => {
    for (;;) {
      const i = next++;
      if (i >= ASKS) return;
      const c = cs[(w + i) % CLIENTS];
      let text, want = null;
      if (i % 2) {
        const j = rnd(existing);
        text = reword(question(j));
        want = ids[j];
        rewordings++;
      } else {
        text = question(fresh0 + i);	// never asked before
        fresh++;
      }
      const s = process.hrtime.bigint();
      const a = await c.cmd({ type: 'ask', text }, 30000);
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (a.type !== 'ack') throw new Error(JSON.stringify(a));
      if (want !== null && a.duplicate_of === want) found++;
      if (want === null && a.duplicate_of === null) created++;
    }
  }));
  const secs = (Date.now() - t0) / 1000;
  const hubCpu = hubMeter() * 1e6 / ASKS;	// µs per ask
  const redisCpu = redisMeter() * 1e6 / ASKS;
  cs.forEach((c) => c.close());
  lat.sort((x, y) => x - y);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
  const r = {
    label, questions: existing, asks: ASKS, rate: ASKS / secs, p50: pct(50), p99: pct(99), max: lat[lat.length - 1],
    hubCpu, redisCpu, found, rewordings, created, fresh,
  };
  console.log(`dedupe-ingest room=${label} questions=${existing} asks=${ASKS} ` +
    `rate=${r.rate.toFixed(0)}/s ack_p50=${r.p50.toFixed(2)}ms ack_p99=${r.p99.toFixed(2)}ms ` +
    `ack_max=${r.max.toFixed(1)}ms hub_cpu=${hubCpu.toFixed(0)}us/ask redis_cpu=${redisCpu.toFixed(0)}us/ask ` +
    `rewordings_found=${found}/${rewordings} new_kept_apart=${created}/${fresh}`);
  return r;
}

// BASE_BIN: another build of the hub measured on the same rooms right
// after this one (its own scripts), for a ratio in one run.
const redis = await Redis.start();
let hub = await startHub(redis, 1);
try {
  const rooms = [];
  for (const size of SIZES) {
    const id = `room-${size}`;
    await createRoom(hub, { id, moderation: true });
    const t0 = Date.now();
    rooms.push({ id, size, ids: await fill(hub, id, size) });
    console.log(`# filled ${id}: ${size} questions in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const results = [];
  if (process.env.BASE_BIN) {
    // This build against BASE_BIN on the same rooms, alternately, after a
    // warm-up (the first measurement after a fill runs while Redis rewrites
    // its append-only file, and a slower Redis means more look-ups again).
    const hubs = { surak: hub };
    hubs.base = await startHub(redis, 1, process.env.BASE_BIN);
    for (const r of rooms) {
      await measure(hubs.surak, redis, r.id, r.size, r.ids, `${r.size}-warmup`);
      const got = { surak: [], base: [] };
      for (const round of [1, 2]) {
        for (const which of ['base', 'surak']) {
          got[which].push(await measure(hubs[which], redis, r.id, r.size, r.ids, `${r.size}-${which}-${round}`));
        }
      }
      const avg = (xs, k) => xs.reduce((n, x) => n + x[k], 0) / xs.length;
      const ratio = (k) => (avg(got.surak, k) / avg(got.base, k)).toFixed(2);
      console.log(`dedupe-ingest ratio ${r.size} this/base (two rounds each): rate=${ratio('rate')} ` +
        `ack_p99=${ratio('p99')} hub_cpu=${ratio('hubCpu')} redis_cpu=${ratio('redisCpu')}`);
    }
    await hubs.base.stop();
  } else {
    for (const r of rooms) results.push(await measure(hub, redis, r.id, r.size, r.ids, String(r.size)));
  }
  const base = results[0];
  for (const r of results.slice(1)) {
    console.log(`dedupe-ingest ratio ${r.label}/${base.label}: rate=${(r.rate / base.rate).toFixed(2)} ` +
      `ack_p99=${(r.p99 / base.p99).toFixed(2)} hub_cpu=${(r.hubCpu / base.hubCpu).toFixed(2)} ` +
      `redis_cpu=${(r.redisCpu / base.redisCpu).toFixed(2)}`);
  }
} finally {
  await hub.stop();
  await redis.stop();
}
