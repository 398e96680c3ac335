// Near-duplicate detection through the real hub: the development set
// submitted by different clients into one room (over two hub processes),
// then each `same` group must be one question and each `distinct` pair two.
// Prints the pairwise recall and the wrong merges. Also: two wordings of a
// question raced into two hubs, split and re-ask, and `similar`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT, Redis, Hub, Client, createRoom, newClientId, viewerHello, stopAll, waitUntil,
} from '../lib/harness.mjs';

let redis, hubA, hubB;
const clients = [];

before(async () => {
  redis = await Redis.start();
  hubA = await Hub.start(redis, { args: ['--ask-rate', '1000'] });
  hubB = await Hub.start(redis, { args: ['--ask-rate', '1000', '--similar-rate', '3'] });
});

after(async () => {
  for (const c of clients) c.close();
  await stopAll(hubA, hubB, redis);
});

async function viewer(hub, room) {
  const c = await Client.connect(hub, viewerHello(room));
  clients.push(c);
  return c;
}

async function exportRoom(room) {
  const r = await fetch(`${hubA.url}/api/rooms/${room.id}/export.json`,
    { headers: { Authorization: `Bearer ${room.moderator_key}` } });
  assert.equal(r.status, 200);
  return (await r.json()).questions;
}

const load = (file) => JSON.parse(readFileSync(join(ROOT, 'tests', 'data', file), 'utf8'));

// Submits every text of a set ({same, distinct}) into a room of its own;
// returns recall, wrong merges, and how many pairs left apart a moderator
// is shown as possibly the same.
const localLookups = async () => await hubA.metric('surak_ask_lookups_local_total') +
  await hubB.metric('surak_ask_lookups_local_total');

async function runSet(set, roomId, file = roomId) {
  const room = await createRoom(hubA, { id: roomId, moderation: true });
  const local0 = await localLookups();
  const ids = new Map();	// text -> question id from its ack
  const texts = [...set.same.flat(), ...set.distinct.flat()];
  let i = 0;
  for (const text of texts) {
    // Each text from a new client, alternating hubs.
    const c = await viewer(i++ % 2 ? hubB : hubA, room.id);
    const a = await c.cmd({ type: 'ask', text });
    assert.equal(a.type, 'ack', `${text}: ${JSON.stringify(a)}`);
    ids.set(text, a.id);
    c.close();
  }
  // The room as stored agrees with the acks.
  const stored = await exportRoom(room);
  const live = stored.filter((q) => !q.merged_into);
  for (const [text, id] of ids) {
    const q = live.find((x) => x.id === id);
    assert.ok(q, `question ${id} for "${text}" is live`);
    assert.ok(q.text === text || q.variants.some((v) => v.text === text), `"${text}" is in question ${id}`);
  }
  let pairs = 0, found = 0, wrong = 0;
  const missed = [];
  for (const group of set.same) {
    for (let x = 0; x < group.length; x++) {
      for (let y = x + 1; y < group.length; y++) {
        pairs++;
        if (ids.get(group[x]) === ids.get(group[y])) found++;
        else missed.push(`"${group[x]}" / "${group[y]}"`);
      }
    }
  }
  for (const [a, b] of set.distinct) if (ids.get(a) === ids.get(b)) wrong++;
  for (let g = 0; g < set.same.length; g++) {
    for (let h = g + 1; h < set.same.length; h++) {
      for (const a of set.same[g]) for (const b of set.same[h]) if (ids.get(a) === ids.get(b)) wrong++;
    }
  }
  // Suggestions: a question shows another as possibly the same.
  const byId = new Map(live.map((q) => [q.id, q]));
  const suggested = (a, b) => byId.get(ids.get(a))?.possibly_same === ids.get(b) ||
    byId.get(ids.get(b))?.possibly_same === ids.get(a);
  let missedPairs = 0, missedSuggested = 0, apart = 0, wrongSuggested = 0;
  for (const group of set.same) {
    for (let x = 0; x < group.length; x++) {
      for (let y = x + 1; y < group.length; y++) {
        if (ids.get(group[x]) === ids.get(group[y])) continue;
        missedPairs++;
        missedSuggested += suggested(group[x], group[y]);
      }
    }
  }
  for (const [a, b] of set.distinct) {
    if (ids.get(a) === ids.get(b)) continue;
    apart++;
    wrongSuggested += suggested(a, b);
  }
  const recall = (100 * found) / pairs;
  // Candidates from the hubs' copies of the room (lookup.c), or from Redis.
  const local = await localLookups() - local0;
  console.log(`${file} through the hub: ${texts.length} texts, ${live.length} questions, ` +
    `pairwise recall ${found}/${pairs} = ${recall.toFixed(1)}%, wrong merges ${wrong}; ` +
    `suggested: ${missedSuggested} of ${missedPairs} missed pairs, ${wrongSuggested} of ${apart} distinct pairs; ` +
    `${local} of ${texts.length} looked up in the hub's copy`);
  for (const m of missed) console.log(`  missed: ${m}`);
  return { recall, wrong, pairs, found, missedPairs, missedSuggested, apart, wrongSuggested, local, texts: texts.length };
}

// Each class of a class file in its own room; the totals must reach the bar.
async function runClasses(file, prefix) {
  const { classes } = load(file);
  const all = { pairs: 0, found: 0, wrong: 0, missedPairs: 0, missedSuggested: 0, apart: 0, wrongSuggested: 0 };
  for (const [name, set] of Object.entries(classes)) {
    const r = await runSet(set, `${prefix}-${name}`, `${file} class ${name}`);
    for (const k of Object.keys(all)) all[k] += r[k];
  }
  const recall = (100 * all.found) / all.pairs;
  console.log(`${file} through the hub, every class: pairwise recall ${all.found}/${all.pairs} = ` +
    `${recall.toFixed(1)}%, wrong merges ${all.wrong}; suggested: ${all.missedSuggested} of ` +
    `${all.missedPairs} missed pairs, ${all.wrongSuggested} of ${all.apart} distinct pairs`);
  return { recall, wrong: all.wrong };
}

test('development set: every same group one question, every distinct pair two', async () => {
  const { recall, wrong, local, texts } = await runSet(load('dedupe-dev.json'), 'dev-set', 'dedupe-dev.json');
  assert.equal(wrong, 0, 'no wrong merges');
  assert.ok(recall >= 95, `recall ${recall}% >= 95%`);
  // Each asker is welcomed before it asks, so its hub has the room's copy
  // and judges from it; the bar above is the hubs' own index's.
  assert.ok(local >= texts / 2, `${local} of ${texts} asks looked up in the hub's copy`);
});

test('our second set: the same bar', async () => {
  const { recall, wrong } = await runSet(load('dedupe-extra.json'), 'extra-set', 'dedupe-extra.json');
  assert.equal(wrong, 0, 'no wrong merges');
  assert.ok(recall >= 95, `recall ${recall}% >= 95%`);
});

test('the classes of issue 18 (clauses, generic words, numbers, abbreviations, cases, word order): the same bar', async () => {
  const { recall, wrong } = await runClasses('dedupe-classes.json', 'classes');
  assert.equal(wrong, 0, 'no wrong merges');
  assert.ok(recall >= 95, `recall ${recall}% >= 95%`);
});

test('the held-out sets, written after the rules: no wrong merge, and the recall each reached', async () => {
  // The first three were used to improve the rules after their first run;
  // the fourth never was (docs/DEDUPLICATION.md has every first run).
  const bars = { 'dedupe-heldout.json': 90, 'dedupe-heldout2.json': 90, 'dedupe-heldout3.json': 90, 'dedupe-heldout4.json': 80 };
  for (const [file, bar] of Object.entries(bars)) {
    const { recall, wrong } = await runClasses(file, file.replace('.json', ''));
    assert.equal(wrong, 0, `${file}: no wrong merges`);
    assert.ok(recall >= bar, `${file}: recall ${recall}% >= ${bar}%`);
  }
});

test('two wordings of one question raced into two hubs make one question', async () => {
  const room = await createRoom(hubA, { id: 'near-race', moderation: true });
  for (let round = 0; round < 12; round++) {
    const x = await viewer(hubA, room.id);
    const y = await viewer(hubB, room.id);
    const place = `Береке-${round}`;
    const [a, b] = await Promise.all([
      x.cmd({ type: 'ask', text: `Когда починят светофор у школы в микрорайоне ${place}?` }),
      y.cmd({ type: 'ask', text: `когда починят светафор у школы в мкр ${place}` }),
    ]);
    assert.equal(a.type, 'ack');
    assert.equal(b.type, 'ack');
    assert.equal(a.id, b.id, `round ${round}: one question`);
  }
  const retries = async (h) => Number((await (await fetch(h.url + '/metrics')).text())
    .match(/surak_ask_retries_total (\d+)/)[1]);
  console.log(`asks judged again after a race: ${await retries(hubA) + await retries(hubB)}`);
});

// The first ask into a room starts hubA's copy of its index; asks judged
// in the copy come once it answers from it. Returns the first asker.
async function answeredFromCopy(roomId, text) {
  const first = await viewer(hubA, roomId);
  const local0 = await hubA.metric('surak_ask_lookups_local_total');
  assert.equal((await first.cmd({ type: 'ask', text })).type, 'ack');
  await waitUntil('asks answered from the copy', async () => {
    const probe = await viewer(hubA, roomId);
    await probe.cmd({ type: 'ask', text: `Где купить проездной на автобус номер ${Date.now() % 1000}?` });
    return await hubA.metric('surak_ask_lookups_local_total') > local0;
  }, 10000, 50);
  return first;
}

test('a crowd asking one question at once on one hub: one question asked by all, waiting instead of racing', async () => {
  const room = await createRoom(hubA, { id: 'crowd-once', moderation: false });
  const first = await answeredFromCopy(room.id, 'Когда отремонтируют дорогу на улице Абая, дом 5?');
  const wordings = [
    'Когда починят светофор на перекрёстке Сатпаева и Ауэзова?',
    'когда починят светофор на перекрестке сатпаева ауэзова',
    'Когда починят светафор на перекрёстке Сатпаева и Ауэзова',
    'здравствуйте когда починят светофор на перекрестке Сатпаева и Ауэзова',
  ];
  const crowd = [];
  for (let i = 0; i < 40; i++) crowd.push(await viewer(hubA, room.id));
  const waits0 = await hubA.metric('surak_ask_waits_total');
  const retries0 = await hubA.metric('surak_ask_retries_total');
  // Among them, the same question about two other houses: close, never the same.
  const [acks, five, seven] = await Promise.all([
    Promise.all(crowd.map((c, i) => c.cmd({ type: 'ask', text: wordings[i % wordings.length] }))),
    first.cmd({ type: 'ask', text: 'Когда отремонтируют дорогу на улице Абая, дом 7?' }),
    (await viewer(hubA, room.id)).cmd({ type: 'ask', text: 'Когда отремонтируют дорогу на улице Абая, дом 9?' }),
  ]);
  for (const a of acks) assert.equal(a.type, 'ack', JSON.stringify(a));
  assert.equal(new Set(acks.map((a) => a.id)).size, 1, 'one question');
  assert.equal(acks.filter((a) => a.duplicate_of === acks[0].id).length, 39, 'asked by the 40');
  assert.equal(five.type, 'ack');
  assert.equal(seven.type, 'ack');
  assert.notEqual(five.id, seven.id, 'another house is another question');
  const waits = await hubA.metric('surak_ask_waits_total') - waits0;
  const retries = await hubA.metric('surak_ask_retries_total') - retries0;
  console.log(`crowd of 40 on one hub: ${waits} waits, ${retries} retries`);
  assert.ok(waits > 0, 'asks waited for the one in flight');
  assert.equal(retries, 0, 'no ask judged again after a race on its own hub');
});

test('asks about other houses of one street, at once on one hub, neither wait for each other nor race', async () => {
  const room = await createRoom(hubA, { id: 'street-once', moderation: false });
  await answeredFromCopy(room.id, 'Где купить проездной на автобус?');
  const houses = Array.from({ length: 12 }, (_, i) => 11 + i);
  const askers = [];
  for (const _ of houses) askers.push(await viewer(hubA, room.id));
  const waits0 = await hubA.metric('surak_ask_waits_total');
  const retries0 = await hubA.metric('surak_ask_retries_total');
  // Close wordings that share bands, each judged another question (another house).
  const acks = await Promise.all(askers.map((c, i) =>
    c.cmd({ type: 'ask', text: `Когда отремонтируют дорогу на улице Абая, дом ${houses[i]}?` })));
  for (const a of acks) assert.equal(a.type, 'ack', JSON.stringify(a));
  assert.equal(new Set(acks.map((a) => a.id)).size, houses.length, 'one question a house');
  const waits = await hubA.metric('surak_ask_waits_total') - waits0;
  const retries = await hubA.metric('surak_ask_retries_total') - retries0;
  console.log(`${houses.length} houses of one street on one hub: ${waits} waits, ${retries} retries`);
  assert.equal(waits, 0, 'no ask waited for another house');
  assert.equal(retries, 0, 'no ask judged again for another house');
});

test('a hub stopped while a crowd\'s asks wait for each other exits cleanly, and every ask it acknowledged is stored', async () => {
  const room = await createRoom(hubA, { id: 'crowd-stop', moderation: false });
  let acked = 0;
  for (let round = 0; round < 5; round++) {
    // The crowd is one address: 150 asks a minute into one room are above its default limit.
    const hubC = await Hub.start(redis, { args: ['--ask-rate', '1000', '--ask-rate-ip', '100000'] });
    const warm = await Client.connect(hubC, viewerHello(room.id));
    // The copy's index must answer, so that the crowd's asks wait for each other.
    await waitUntil('asks answered from the copy', async () => {
      await warm.cmd({ type: 'ask', text: `Где купить проездной номер ${round}-${Date.now() % 10000}?` });
      return await hubC.metric('surak_ask_lookups_local_total') > 0;
    }, 10000, 50);
    const crowd = [];
    for (let i = 0; i < 30; i++) crowd.push(await Client.connect(hubC, viewerHello(room.id)));
    crowd.forEach((c, i) => c.send({ type: 'ask', rid: `stop-${round}-${i}`,
      text: `Когда починят лифт в доме ${round} на улице Жибек жолы${i % 3 ? '' : ', подъезд 2'}?` }));
    // SIGTERM as the first ack comes: the rest are then in Redis, waiting, or released to look again.
    await Promise.race(crowd.map((c) => c.waitFor((m) => m.type === 'ack', 10000)));
    await hubC.stop();	/* then the sanitizer check */
    assert.equal(hubC.proc.exitCode, 0, `round ${round}: exit code ${hubC.proc.exitCode} (${hubC.proc.signalCode})`);
    const acks = crowd.flatMap((c) => c.messages.filter((m) => m.type === 'ack'));
    const ids = new Set((await exportRoom(room)).map((q) => q.id));
    for (const a of acks) assert.ok(ids.has(a.id), `round ${round}: acknowledged question ${a.id} stored`);
    acked += acks.length;
    [warm, ...crowd].forEach((c) => c.close());
  }
  console.log(`hub stopped under a crowd, 5 times: ${acked} of 150 asks acknowledged first, every one stored`);
});

test('the moderator sees each variant with its similarity, and a split question keeps its wording', async () => {
  const room = await createRoom(hubA, { id: 'split-room', moderation: false });
  const m = await Client.connect(hubA, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  clients.push(m);
  const v1 = await viewer(hubA, room.id);
  const v2 = await viewer(hubB, room.id);
  const a = await v1.cmd({ type: 'ask', text: 'Когда откроют новую поликлинику в Индере?' });
  const b = await v2.cmd({ type: 'ask', text: 'когда откроют новую поликлиннику в индере' });
  assert.equal(b.duplicate_of, a.id);
  await m.waitState('the variant', (x) => x.questions.get(a.id)?.nvariants === 1);
  const variant = (await m.cmd({ type: 'variants', id: a.id })).q.variants[0];
  assert.ok(variant.similarity > 0.5 && variant.similarity < 1, `similarity ${variant.similarity}`);
  const split = await m.cmd({ type: 'moderate', id: a.id, action: 'split', variant: 0 });
  assert.equal(split.type, 'ack');
  // The same wording asked again goes to the split question, not back.
  const v3 = await viewer(hubB, room.id);
  const c = await v3.cmd({ type: 'ask', text: 'когда откроют новую поликлиннику в индере' });
  assert.equal(c.duplicate_of, split.q.id);
});

test('similar: approved questions close to a draft, rate limited', async () => {
  const room = await createRoom(hubA, { id: 'similar-room', moderation: true });
  const asker = await viewer(hubA, room.id);
  const m = await Client.connect(hubA, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  clients.push(m);
  const approved = await asker.cmd({ type: 'ask', text: 'Когда построят новую школу в поселке Дамба?' });
  const pending = await asker.cmd({ type: 'ask', text: 'Когда построят новую больницу в поселке Дамба?' });
  await asker.cmd({ type: 'ask', text: 'Почему так дорого стоит проезд в автобусе?' });
  await m.cmd({ type: 'moderate', id: approved.id, action: 'approve' });
  const typing = await viewer(hubB, room.id);
  await typing.waitState('the approved question', (x) => x.questions.has(approved.id));
  const r = await typing.cmd({ type: 'similar', text: 'новая школа в Дамбе когда' });
  assert.equal(r.type, 'ack');
  assert.ok(r.similar.length >= 1 && r.similar.length <= 3);
  assert.equal(r.similar[0].q.id, approved.id);
  assert.ok(r.similar[0].similarity > 0);
  assert.ok(r.similar.every((s) => s.q.id !== pending.id), 'pending questions are not shown');
  const none = await typing.cmd({ type: 'similar', text: 'совсем другой вопрос про погоду' });
  assert.deepEqual(none.similar, []);
  await typing.cmd({ type: 'similar', text: 'школа' });
  const limited = await typing.cmd({ type: 'similar', text: 'школа Дамба' });
  assert.equal(limited.code, 'rate_limited');
  assert.equal((await typing.cmd({ type: 'similar', text: '  ' })).code, 'empty');
});

test('variants: events carry only how many there are, the variants command all of them', async () => {
  const room = await createRoom(hubA, { id: 'many-variants', moderation: true });
  const m = await Client.connect(hubB, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  clients.push(m);
  const v = await viewer(hubA, room.id);
  const first = await v.cmd({ type: 'ask', text: 'Когда дадут тепло в школу номер 9?' });
  for (let i = 0; i < 24; i++) {
    const a = await v.cmd({ type: 'ask', text: i % 2 ? 'когда дадут тепло в школу №9' : 'КОГДА ДАДУТ ТЕПЛО В ШКОЛУ 9' });
    assert.equal(a.duplicate_of, first.id);
  }
  await m.waitState('24 duplicates', (x) => x.questions.get(first.id)?.dups === 24);
  const q = m.questions.get(first.id);
  assert.equal(q.nvariants, 24);
  assert.equal(q.variants, undefined);
  // An event stays small however often the question was asked.
  const last = m.messages.flatMap((x) => (x.type === 'batch' ? x.events : [x])).filter((e) => e.q?.id === first.id).at(-1);
  assert.ok(JSON.stringify(last).length < 1024, `an event of ${JSON.stringify(last).length} bytes`);
  const all = await m.cmd({ type: 'variants', id: first.id });
  assert.equal(all.type, 'ack');
  assert.equal(all.q.variants.length, 24);
  assert.deepEqual(all.q.variants.map((x) => x.i), [...Array(24).keys()]);
  assert.equal((await v.cmd({ type: 'variants', id: first.id })).code, 'not_allowed');
  assert.equal((await m.cmd({ type: 'variants', id: 99999 })).code, 'no_question');
});

test('suggestions: a question possibly the same as another is shown to moderators, who merge or dismiss it', async () => {
  const room = await createRoom(hubA, { id: 'suggest-room', moderation: true });
  const m = await Client.connect(hubA, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  clients.push(m);
  const ask = async (h, text) => (await viewer(h, room.id)).cmd({ type: 'ask', text });
  // Another verb for the same thing: not merged, suggested.
  const a = await ask(hubA, 'Когда откроют бассейн в спорткомплексе?');
  const b = await ask(hubB, 'Бассейн в спорткомплексе когда заработает?');
  assert.notEqual(b.id, a.id);
  await m.waitState('suggested', (x) => x.questions.get(b.id)?.possibly_same === a.id);
  // Dismissed: the suggestion goes, and a second dismissal has nothing to dismiss.
  assert.equal((await m.cmd({ type: 'moderate', id: b.id, action: 'dismiss' })).type, 'ack');
  await m.waitState('dismissed', (x) => x.questions.get(b.id) && !x.questions.get(b.id).possibly_same);
  assert.equal((await m.cmd({ type: 'moderate', id: b.id, action: 'dismiss' })).code, 'bad_request');
  // A clause the rules do not know: suggested, and merged into its suggestion.
  const c = await ask(hubA, 'Когда отремонтируют крышу в школе №12?');
  const d = await ask(hubB, 'Когда отремонтируют крышу в школе №12? Течёт прямо в классы');
  await m.waitState('suggested again', (x) => x.questions.get(d.id)?.possibly_same === c.id);
  const merged = await m.cmd({ type: 'moderate', id: d.id, action: 'merge', into: m.questions.get(d.id).possibly_same });
  assert.equal(merged.q.id, c.id);
  assert.equal(merged.q.dups, 1);
});

test('Kazakh and Russian: the same question in the two languages is suggested, never merged', async () => {
  const set = load('dedupe-crosslang.json');
  // Each pair in a room of its own: whether the two meet, not which of many wins.
  const measure = async (pairs, prefix) => {
    let found = 0, i = 0;
    for (const [kk, ru] of pairs) {
      const room = await createRoom(hubA, { id: `${prefix}-${i}`, moderation: true });
      // Half the pairs asked Kazakh first, half Russian first, on alternating hubs.
      const order = i % 2 ? [ru, kk] : [kk, ru];
      const first = await (await viewer(i % 2 ? hubA : hubB, room.id)).cmd({ type: 'ask', text: order[0] });
      const second = await (await viewer(i % 2 ? hubB : hubA, room.id)).cmd({ type: 'ask', text: order[1] });
      assert.equal(second.duplicate_of, null, `${kk} / ${ru} merged across languages`);
      const qs = new Map((await exportRoom(room)).map((q) => [q.id, q]));
      if (qs.get(second.id)?.possibly_same === first.id) found++;
      else if (process.env.DEBUG_CROSS) console.log('  not suggested:', kk, '/', ru);
      i++;
    }
    return found;
  };
  const found = await measure(set.same, 'cross-same');
  const wrong = await measure(set.distinct, 'cross-distinct');
  console.log(`cross-language through the hub: ${found} of ${set.same.length} Kazakh/Russian pairs suggested, ` +
    `${wrong} of ${set.distinct.length} look-alike pairs suggested wrongly`);
  assert.ok(set.same.length >= 40);
  assert.ok(found * 100 >= set.same.length * 80, `${found} of ${set.same.length}`);
});

test('memory across broadcasts: a question answered in an earlier room is shown to moderators and offered to viewers', async () => {
  const before = await createRoom(hubA, { id: 'broadcast-1', title: 'Эфир акима, январь', moderation: true });
  const mod1 = await Client.connect(hubA, { room: before.id, role: 'moderator', client: newClientId(), key: before.moderator_key });
  clients.push(mod1);
  const old = await (await viewer(hubA, before.id)).cmd({ type: 'ask', text: 'Когда отремонтируют дорогу на улице Абая?' });
  await mod1.cmd({ type: 'moderate', id: old.id, action: 'approve' });
  await mod1.cmd({ type: 'moderate', id: old.id, action: 'answer' });
  const bad = await (await viewer(hubA, before.id)).cmd({ type: 'ask', text: 'Почему не работает фонтан в парке Победы?' });
  await mod1.cmd({ type: 'moderate', id: bad.id, action: 'reject' });
  // Each hub looks the memory up in its copy of it, which reads the memory's log once a second.
  const records = () => Number(redis.cli('EVAL', "return #redis.call('KEYS', 'surak:{@past}:q:*')", '0'));
  await waitUntil('both records in both hubs\' copies of the memory', async () =>
    (await hubA.metric('surak_past_records')) === records() && (await hubB.metric('surak_past_records')) === records(), 10000, 50);

  const now = await createRoom(hubB, { id: 'broadcast-2', title: 'Эфир акима, февраль', moderation: true });
  const mod2 = await Client.connect(hubB, { room: now.id, role: 'moderator', client: newClientId(), key: now.moderator_key });
  clients.push(mod2);
  const again = await (await viewer(hubB, now.id)).cmd({ type: 'ask', text: 'когда отремонтируют дорогу на абая' });
  await mod2.waitState('asked before', (x) => x.questions.get(again.id)?.asked_before);
  const seen = mod2.questions.get(again.id).asked_before;
  assert.equal(seen.room, before.id);
  assert.equal(seen.title, 'Эфир акима, январь');
  assert.equal(seen.id, old.id);
  assert.equal(seen.status, 'answered');
  const fountain = await (await viewer(hubA, now.id)).cmd({ type: 'ask', text: 'почему не работает фонтан в парке победы' });
  await mod2.waitState('rejected before', (x) => x.questions.get(fountain.id)?.asked_before?.status === 'rejected');
  // A viewer typing the question is offered the earlier answered one.
  const typing = await viewer(hubA, now.id);
  const similar = await typing.cmd({ type: 'similar', text: 'Когда отремонтируют дорогу на Абая' });
  const past = similar.similar.find((x) => x.past);
  assert.ok(past, JSON.stringify(similar));
  assert.equal(past.past.status, 'answered');
  assert.equal(past.past.room, before.id);
  assert.match(past.past.text, /Абая/);
  // A rejected one is never offered to viewers; a question of the same room is not "before".
  const other = await typing.cmd({ type: 'similar', text: 'Почему не работает фонтан в парке Победы' });
  assert.equal(other.similar.some((x) => x.past), false);
  const mine = await (await viewer(hubA, before.id)).cmd({ type: 'ask', text: 'когда отремонтируют дорогу на абая пожалуйста' });
  assert.equal(mine.duplicate_of, old.id);
  // In its own room the answered question is offered as itself, never as "before" (past_find leaves the asking room's own out).
  const ownRoom = await (await viewer(hubB, before.id)).cmd({ type: 'similar', text: 'Когда отремонтируют дорогу на Абая' });
  assert.ok(ownRoom.similar.some((x) => x.q?.id === old.id), JSON.stringify(ownRoom));
  assert.equal(ownRoom.similar.some((x) => x.past), false, JSON.stringify(ownRoom));
  assert.ok(await hubB.metric('surak_past_lookups_local_total') > 0, 'hub B looked the memory up in its copy');

  // A memory filed before its log existed (an older deployment): a new hub's copy is filled from the records.
  redis.cli('DEL', 'surak:{@past}:log');
  redis.cli('HDEL', 'surak:{@past}:meta', 'fill');
  const hubC = await Hub.start(redis, { args: ['--ask-rate', '1000'] });
  try {
    await waitUntil('hub C\'s copy filled from the records', async () =>
      (await hubC.metric('surak_past_copy_whole')) === 1 && (await hubC.metric('surak_past_records')) === records(), 10000, 50);
    const third = await createRoom(hubC, { id: 'broadcast-3', title: 'Эфир акима, март', moderation: true });
    const mod3 = await Client.connect(hubC, { room: third.id, role: 'moderator', client: newClientId(), key: third.moderator_key });
    clients.push(mod3);
    const q3 = await (await viewer(hubC, third.id)).cmd({ type: 'ask', text: 'когда же отремонтируют дорогу на улице абая' });
    await mod3.waitState('asked before, from the filled copy', (x) => x.questions.get(q3.id)?.asked_before?.id === old.id);
    assert.ok(await hubC.metric('surak_past_lookups_local_total') > 0, 'hub C looked the memory up in its copy');
  } finally {
    await hubC.stop();
  }
});
