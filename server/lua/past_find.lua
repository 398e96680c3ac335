-- past_find: questions of other rooms of the deployment (past_note.lua)
-- that share LSH bands with a new one, most shared first, at most `limit`,
-- leaving out the asking room's own: {{room, id, title, text, status, at,
-- nd}, …}.
--@ args bands room limit
--@ reply found
local shared, members = {}, {}
local i = 0
for b in string.gmatch(A.bands, '[^,]+') do
  i = i + 1
  for _, m in ipairs(redis.call('ZRANGE', key('lsh', (i - 1) % BANDS + 1, b), 0, -1)) do
    if not shared[m] then
      shared[m] = 0
      members[#members + 1] = m
    end
    shared[m] = shared[m] + 1
  end
end
table.sort(members, function(a, b)
  if shared[a] ~= shared[b] then return shared[a] > shared[b] end
  return a > b
end)
local found = {}
for _, m in ipairs(members) do
  if #found >= tonumber(A.limit) then break end
  local r = redis.call('HMGET', key('q', m), 'room', 'id', 'title', 'text', 'status', 'at', 'nd')
  if r[1] and r[1] ~= A.room then found[#found + 1] = r end
end
return {'ok', found}
