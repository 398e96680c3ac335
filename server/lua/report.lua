-- report: a room's figures (DESK.md "Reports"), a chunk per call: the
-- questions with ids from `from`, at most `limit` of them, counted into
-- `part` (JSON: counts, topics, places, sources, and the chunk's `top`
-- public questions by votes, at most `top` of them), which the hub adds
-- up. Overdue: assigned, unanswered, due before `today` (YYYY-MM-DD, the
-- deployment's day). The first chunk also carries the asks per minute.
--@ args from limit today top
--@ reply room part next
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local id, last = tonumber(A.from), tonumber(m.qid or '0')
local stop = math.min(last, id + tonumber(A.limit) - 1)
local c = {asked = 0, questions = 0, merged = 0, pending = 0, approved = 0, rejected = 0,
  answered_on_air = 0, assigned = 0, answered_in_writing = 0, overdue = 0}
local topics, places, sources, top = {}, {}, {}, {}
local function add(t, list)
  for x in string.gmatch(list or '', '[^,]+') do t[x] = (t[x] or 0) + 1 end
end
while id <= stop do
  local q = question(tostring(id))
  if q and filled(q.into) then
    c.merged = c.merged + 1
  elseif q then
    c.questions = c.questions + 1
    c.asked = c.asked + 1 + tonumber(q.dups)
    if q.status == 'answered' then c.answered_on_air = c.answered_on_air + 1
    elseif c[q.status] then c[q.status] = c[q.status] + 1 end
    if filled(q.fans) then c.answered_in_writing = c.answered_in_writing + 1
    elseif filled(q.fdept) then
      c.assigned = c.assigned + 1
      if q.fdue < A.today then c.overdue = c.overdue + 1 end
    end
    add(topics, q.topics)
    add(places, q.places)
    add(sources, filled(q.source) and q.source or 'web')
    if VISIBLE[q.status] then top[#top + 1] = {tonumber(q.votes), q} end
  end
  id = id + 1
end
table.sort(top, function(a, b) return a[1] > b[1] or (a[1] == b[1] and tonumber(a[2].id) < tonumber(b[2].id)) end)
local tops = {}
for i = 1, math.min(#top, tonumber(A.top)) do tops[i] = q_public(top[i][2], m.featured) .. '}' end
local per_minute = {}
if tonumber(A.from) == 1 then
  local apm = redis.call('HGETALL', key('apm'))
  for i = 1, #apm, 2 do per_minute[#per_minute + 1] = '[' .. apm[i] .. ',' .. apm[i + 1] .. ']' end
end
-- cjson writes an empty table as {}: the lists are joined by hand.
local part = '{"counts":' .. cjson.encode(c) .. ',"topics":' .. (next(topics) and cjson.encode(topics) or '{}') ..
  ',"places":' .. (next(places) and cjson.encode(places) or '{}') ..
  ',"sources":' .. (next(sources) and cjson.encode(sources) or '{}') ..
  ',"per_minute":[' .. table.concat(per_minute, ',') .. '],"top":[' .. table.concat(tops, ',') .. ']}'
return {'ok', room_json(m), part, stop < last and stop + 1 or 0}
