-- past_get: the records of the deployment's memory a hub's copy found
-- alike (past.c), by their members ("ROOM:ID", one a line), in the form
-- past_find.lua answers: {{room, id, title, text, status, at, nd}, …}.
--@ args members
--@ reply found
local found = {}
for m in string.gmatch(A.members, '[^\n]+') do
  local r = redis.call('HMGET', key('q', m), 'room', 'id', 'title', 'text', 'status', 'at', 'nd')
  if r[1] then found[#found + 1] = r end
end
return {'ok', found}
