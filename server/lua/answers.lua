-- answers: the room's public record (DESK.md "Public answers"), a chunk
-- per call: from question id `from` on, at most `limit` ids looked at,
-- the questions viewers may see (approved, answered) with their
-- follow-up, as the public reads them. `next` is where the next chunk
-- starts (0 after the last).
--@ args from limit
--@ reply room questions next
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local id, last = tonumber(A.from), tonumber(m.qid or '0')
local stop, out = math.min(last, id + tonumber(A.limit) - 1), {}
while id <= stop do
  local q = question(tostring(id))
  if q and VISIBLE[q.status] and not filled(q.into) then
    out[#out + 1] = q_public(q, m.featured) .. '}'
  end
  id = id + 1
end
return {'ok', room_json(m), out, stop < last and stop + 1 or 0}
