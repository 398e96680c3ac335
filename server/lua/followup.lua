-- followup: the questions of this room assigned to the departments
-- `depts` (comma-separated; "*" for all) that the public may see, as the
-- public reads them, by due day (the room's fu set).
--@ args depts
--@ reply room questions
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local all, want, out = A.depts == '*', ',' .. A.depts .. ',', {}
for _, id in ipairs(redis.call('ZRANGE', key('fu'), 0, -1)) do
  local q = question(id)
  if q and not filled(q.into) and VISIBLE[q.status] and filled(q.fdept) and
      (all or string.find(want, ',' .. q.fdept .. ',', 1, true)) then
    out[#out + 1] = q_public(q, m.featured) .. '}'
  end
end
return {'ok', room_json(m), out}
