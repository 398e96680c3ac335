-- vote: a vote or unvote (dir). Arguments: votes allowed per window per
-- client (limit), the window in ms, client IP and votes allowed per window
-- per IP, how new (ms) a client is "fresh", how many fresh votes on one
-- question within a minute make a burst.
-- One vote per client per question; a client that asked the question (or a
-- duplicate of it) already counts. A vote is held (recorded, not counted in
-- votes or score; moderators see held_votes and release or discard them)
-- when its client is held (its address group had no new id to spare, a ban
-- holds the group, or it has not proved its work: hello.lua), or when it
-- comes in a burst of votes from fresh clients on one question, which also
-- flags the question "vote_burst".
--@ args client rid id dir limit window ip ip_limit fresh_ms burst
--@ reply ack id
local client, rid, id, dir = A.client, A.rid, A.id, A.dir
local limit, window = tonumber(A.limit), tonumber(A.window)
local ip, ip_limit, fresh_ms, burst = A.ip, tonumber(A.ip_limit), tonumber(A.fresh_ms), tonumber(A.burst)

local prev = replay(client, rid)
if prev then return {'ok', prev, 0} end
local m, e = viewer_gate(client, 'vote')
if not m then return e end
local q = question(id)
if q == nil or (q.into and q.into ~= '') or not VISIBLE[q.status] then
  return err('no_question', 'no such question')
end
local wait = limited('vote', client, limit, window)
if wait == 0 and ip ~= '' then wait = limited('voteip', ip, ip_limit, window) end
if wait > 0 then return err('rate_limited', 'too many votes, wait a little', wait) end

local vk, voters, held = key('voted', client), key('q', id, 'voters'), key('q', id, 'held')
local changed = false
if dir == 'vote' then
  if redis.call('SADD', vk, id) == 1 then
    local c = redis.call('HMGET', key('cl', client), 'seen', 'nb')
    local seen = tonumber(c[1] or '0')
    local fresh = seen == 0 or tonumber(NOW) - seen < fresh_ms
    local bursting = c[2] == '1'
    if fresh and not bursting then
      local fk = key('q', id, 'fresh')
      local n = redis.call('INCR', fk)
      if n == 1 then redis.call('PEXPIRE', fk, 60000) end
      bursting = n > burst
    end
    if bursting then
      -- Held: moderators see the count grow (an event), the score does not.
      changed = redis.call('SADD', held, client) == 1
      if add_flag(q, 'vote_burst') then redis.call('HSET', key('q', id), 'flags', q.flags) end
    else
      changed = redis.call('SADD', voters, client) == 1
    end
  end
else
  if redis.call('SREM', vk, id) == 1 and redis.call('SISMEMBER', key('mine', client), id) == 0 then
    changed = redis.call('SREM', voters, client) == 1
    redis.call('SREM', held, client)
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
