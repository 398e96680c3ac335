-- export: every question ever asked in the room, merged ones included,
-- with all their variants, a chunk per call: from question id `from`
-- (variants from `vfrom` of it) on, at most `limit` questions and `vlimit`
-- variants, so that a question asked thousands of times is exported over
-- several calls. `questions` holds three items per question: its id, the
-- question without variants ("" when it continues the last chunk's) and
-- its variants of this chunk as the inside of a JSON array; each question
-- carries its "history" from the audit trail. `next` and
-- `nextvar` are where the next chunk starts (next = 0 after the last).
--@ args from vfrom limit vlimit
--@ reply room questions next nextvar
local m = meta()
if m == nil then return err('no_room', 'no such room') end
-- Who approved, rejected, edited, merged, answered it, and when (the audit).
local function with_history(qj, id)
  local h = redis.call('LRANGE', key('q', id, 'hist'), 0, -1)
  return string.sub(qj, 1, -2) .. ',"history":[' .. table.concat(h, ',') .. ']}'
end
local id, vfrom, last = tonumber(A.from), tonumber(A.vfrom), tonumber(m.qid)
local limit, vlimit = tonumber(A.limit), tonumber(A.vlimit)
local out, nq, nv = {}, 0, 0
while id <= last and nq < limit and nv < vlimit do
  local q = question(tostring(id))
  if q then
    local total = redis.call('LLEN', key('q', q.id, 'var'))
    local items, got = variants_items(q.id, vfrom, math.min(total - vfrom, vlimit - nv))
    out[#out + 1] = id
    out[#out + 1] = vfrom == 0 and with_history(q_full(q, m.featured), q.id) or ''
    out[#out + 1] = items
    nq, nv = nq + 1, nv + got
    if vfrom + got < total then return {'ok', room_json(m), out, id, vfrom + got} end
  end
  id, vfrom = id + 1, 0
end
return {'ok', room_json(m), out, id <= last and id or 0, 0}
