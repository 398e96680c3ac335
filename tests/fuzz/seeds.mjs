// Writes the seed corpora of the fuzz targets into the folder given:
//   proto/  every frame of the hostile corpus (tests/data/hostile.jsonl)
//           and one valid frame of each command
//   text/   the questions of the duplicate-detection sets, in pairs
//           separated by a NUL byte (fuzz_text cuts its input there)
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = process.argv[2];
if (!out) throw new Error('usage: node seeds.mjs OUTDIR');

const proto = join(out, 'proto');
mkdirSync(proto, { recursive: true });
let n = 0;
const seed = (dir, buf) => writeFileSync(join(dir, `seed-${String(++n).padStart(4, '0')}`), buf);

for (const line of readFileSync(join(root, 'tests/data/hostile.jsonl'), 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const c = JSON.parse(line);
  if (c.frame_b64 !== undefined) seed(proto, Buffer.from(c.frame_b64, 'base64'));
  else if (c.fragments) seed(proto, c.fragments.join(''));
  else seed(proto, c.frame);
}
const valid = [
  { type: 'hello', room: 'demo', role: 'viewer', client: 'abcdefghijklmnop', resume: { epoch: 'e1', seq: 3 } },
  { type: 'hello', room: 'demo', role: 'moderator', client: 'abcdefghijklmnop', key: 'k'.repeat(43) },
  { type: 'ask', rid: 'r1', text: 'Когда откроют школу №17 в мкр Нурсая?', name: 'Айгүл' },
  { type: 'vote', rid: 'r2', id: 3 },
  { type: 'unvote', rid: 'r3', id: 3 },
  { type: 'similar', rid: 'r4', text: 'школа нурсая' },
  { type: 'moderate', rid: 'r5', id: 1, action: 'merge', into: 2 },
  { type: 'moderate', rid: 'r6', id: 1, action: 'split', variant: 0 },
  { type: 'moderate', rid: 'r7', id: 1, action: 'edit', text: 'Жол қашан жөнделеді?' },
  { type: 'ban', rid: 'r8', id: 1 },
  { type: 'ban', rid: 'r9', author: 'u-abc' },
  { type: 'room', rid: 'r10', open: false, title: 'Эфир', moderation: true },
  { type: 'variants', rid: 'r11', id: 1 },
  { type: 'rotate_keys', rid: 'r12', which: 'moderator' },
];
for (const v of valid) seed(proto, JSON.stringify(v));

const text = join(out, 'text');
mkdirSync(text, { recursive: true });
for (const f of ['dedupe-dev.json', 'dedupe-extra.json']) {
  const set = JSON.parse(readFileSync(join(root, 'tests/data', f), 'utf8'));
  for (const group of set.same) {
    for (let i = 0; i + 1 < group.length; i += 2) seed(text, `${group[i]}\0${group[i + 1]}`);
  }
  for (const [a, b] of set.distinct) seed(text, `${a}\0${b}`);
}
