-- snapshot: a room for a hub's in-memory copy, a chunk of questions per
-- call so that no call walks a big room at once: the questions (moderator
-- view, merged ones left out) with ids in (after, after + limit], and
-- `next`, the cursor of the next chunk (0 after the last). Every chunk
-- carries the room, its seq, epoch and key versions at that moment; the
-- last also the kept history, whose last event is that seq. The hub puts
-- the chunks together and replays the history after the first chunk's seq
-- over them (copy.c), so the copy is exact at the last seq. The last also
-- lists the merges not finished (merge_more.lua), for the hub to go on.
-- `keys` is the chunk's part of the near-duplicate index, for the hub's
-- copy of it (lookup.c): {id, into (0 if not merged), {key…}} of every
-- question, merged ones too (their bands lead to where they live now).
--@ args after limit
--@ reply room seq epoch modver presver questions next events merging keys
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local after, limit, last = tonumber(A.after), tonumber(A.limit), tonumber(m.qid)
local qs, keys = {}, {}
for id = after + 1, math.min(after + limit, last) do
  local q = question(tostring(id))
  if q then
    local merged = q.into ~= nil and q.into ~= ''
    if not merged then qs[#qs + 1] = q_full(q, m.featured) end
    keys[#keys + 1] = {id, merged and tonumber(q.into) or 0, redis.call('LRANGE', key('q', id, 'nd'), 0, -1)}
  end
end
local nxt = after + limit < last and after + limit or 0
return {'ok', room_json(m), tonumber(m.seq), m.epoch, tonumber(m.modver or '1'),
  tonumber(m.presver or '1'), qs, nxt, nxt == 0 and redis.call('LRANGE', key('ev'), 0, -1) or {},
  nxt == 0 and redis.call('SMEMBERS', key('merging')) or {}, keys}
