-- export: every question ever asked in the room, merged ones included, with
-- all their variants.
--@ args
--@ reply room questions
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local qs = {}
for id = 1, tonumber(m.qid) do
  local q = question(tostring(id))
  if q then qs[#qs + 1] = q_full(q, m.featured, true) end
end
return {'ok', room_json(m), qs}
