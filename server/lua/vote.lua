-- vote: ARGV[4..9] = client, rid, question id, "vote" or "unvote", votes
-- allowed per window, window in ms. One vote per client per question; a
-- client that asked the question (or a duplicate of it) already counts.
-- Returns {"ok", ack_json, id}.
local client, rid, id, dir = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local limit, window = tonumber(ARGV[8]), tonumber(ARGV[9])

local prev = replay(client, rid)
if prev then return {'ok', prev, 0} end
local m, e = viewer_gate(client, 'vote')
if not m then return e end
local q = question(id)
if q == nil or (q.into and q.into ~= '') or not VISIBLE[q.status] then
  return err('no_question', 'no such question')
end
local wait = limited('vote', client, limit, window)
if wait > 0 then return err('rate_limited', 'too many votes, wait a little', wait) end

local vk, voters = key('voted', client), key('q', id, 'voters')
local changed = false
if dir == 'vote' then
  if redis.call('SADD', vk, id) == 1 then
    changed = redis.call('SADD', voters, client) == 1
  end
else
  if redis.call('SREM', vk, id) == 1 and redis.call('SISMEMBER', key('mine', client), id) == 0 then
    changed = redis.call('SREM', voters, client) == 1
  end
end
if changed then
  set_votes(q)
  touch(q)
  emit_upsert(q, m.featured, q.status)
end
local ack = '{"type":"ack","rid":' .. J(rid) .. ',"id":' .. id .. ',"votes":' .. q.votes ..
  ',"voted":' .. bool(dir == 'vote') .. '}'
remember(client, rid, ack)
return {'ok', ack, tonumber(id)}
