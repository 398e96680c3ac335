-- vote: a vote or unvote (dir). Arguments: votes allowed per window per
-- client (limit), the window in ms, client IP and votes allowed per window
-- per IP, how new (ms) a client is "fresh", how many fresh votes on one
-- question within a minute make a burst. What a vote does: vote_on() in
-- lib.lua. Votes on one question that reach a hub together go as one
-- batch instead (votes.lua).
--@ args client rid id dir limit window ip ip_limit fresh_ms burst
--@ reply ack id
local client, rid, id, dir = A.client, A.rid, A.id, A.dir
local L = {limit = tonumber(A.limit), window = tonumber(A.window), ip_limit = tonumber(A.ip_limit),
  fresh_ms = tonumber(A.fresh_ms), burst = tonumber(A.burst)}

local prev = replay(client, rid)
if prev then return {'ok', prev, 0} end
local m, e = viewer_gate(client, 'vote')
if not m then return e end
local q = votable(id)
if q == nil then return err('no_question', 'no such question') end
local ok, changed = vote_on(q, client, dir, A.ip, L)
if not ok then return changed end
if changed then
  set_votes(q)
  touch(q)
  emit_upsert(q, m.featured, q.status)
end
local ack = vote_ack(rid, q, dir)
remember(client, rid, ack)
return {'ok', ack, tonumber(id)}
