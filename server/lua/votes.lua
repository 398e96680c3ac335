-- votes: the votes and unvotes on one question that reached a hub in one
-- turn of its loop (votes.c), each checked and answered as vote.lua would
-- answer it alone, with one event for them all. batch: a JSON array of
-- [client, rid, dir, ip], in the order they came; the limits as vote.lua's.
-- Every ack gives the question's votes after the whole batch.
-- Returns {"ok", {reply, …}}: for each vote, in order, the reply vote.lua
-- would have returned ({"ok", ack, id} or an error).
--@ args id batch limit window ip_limit fresh_ms burst
--@ reply replies
local id, batch = A.id, cjson.decode(A.batch)
local L = {limit = tonumber(A.limit), window = tonumber(A.window), ip_limit = tonumber(A.ip_limit),
  fresh_ms = tonumber(A.fresh_ms), burst = tonumber(A.burst)}

local replies, done = {}, {}
local m = meta()
local q = m and votable(id)
local changed = false
for i, v in ipairs(batch) do
  local client, rid, dir, ip = v[1], v[2], v[3], v[4]
  local prev = replay(client, rid)
  local ok, e
  if prev then
    replies[i] = {'ok', prev, 0}
  else
    ok, e = viewer_gate(client, 'vote', m)
    if not ok then
      replies[i] = e
    elseif q == nil then
      replies[i] = err('no_question', 'no such question')
    else
      ok, e = vote_on(q, client, dir, ip, L)
      if ok then
        changed = changed or e
        done[#done + 1] = i
      else
        replies[i] = e
      end
    end
  end
end
if changed then
  set_votes(q)
  touch(q)
  emit_upsert(q, m.featured, q.status)
end
for _, i in ipairs(done) do
  local v = batch[i]
  local ack = vote_ack(v[2], q, v[3])
  remember(v[1], v[2], ack)
  replies[i] = {'ok', ack, tonumber(id)}
end
return {'ok', replies}
