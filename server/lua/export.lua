-- export: every question ever asked in the room, merged ones included, with
-- all their variants, a chunk per call: ids in (after, after + limit], and
-- `next`, the cursor of the next chunk (0 after the last).
--@ args after limit
--@ reply room questions next
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local after, limit, last = tonumber(A.after), tonumber(A.limit), tonumber(m.qid)
local qs = {}
for id = after + 1, math.min(after + limit, last) do
  local q = question(tostring(id))
  if q then qs[#qs + 1] = q_full(q, m.featured, true) end
end
return {'ok', room_json(m), qs, after + limit < last and after + limit or 0}
