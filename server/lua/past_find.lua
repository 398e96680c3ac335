-- past_find: questions of other rooms of the deployment (past_note.lua)
-- that share LSH bands with a new one, most shared first (then by member,
-- descending), at most `limit`, leaving out the asking room's own: {{room,
-- id, title, text, status, at, nd}, …}.
--
-- Members are counted, grouped by bands shared, and a group is sorted (by
-- Lua's own order) only when the look-up reaches it: sorting every member
-- with a Lua comparator took 571 µs of a look-up among 548 members, against
-- 193 µs now (docs/BENCHMARKS.md, "The deployment's memory"). Room ids
-- hold no ':', so "ROOM:" tells the asking room's own members.
--@ args bands room limit
--@ reply found
local shared, groups, most = {}, {}, 0
local i = 0
for b in string.gmatch(A.bands, '[^,]+') do
  i = i + 1
  for _, m in ipairs(redis.call('ZRANGE', key('lsh', (i - 1) % BANDS + 1, b), 0, -1)) do
    shared[m] = (shared[m] or 0) + 1
  end
end
for m, c in pairs(shared) do
  local g = groups[c]
  if not g then
    g = {}
    groups[c] = g
    if c > most then most = c end
  end
  g[#g + 1] = m
end
local found, limit, own = {}, tonumber(A.limit), A.room .. ':'
for c = most, 1, -1 do
  local g = groups[c]
  if g then
    table.sort(g)
    for k = #g, 1, -1 do
      if #found >= limit then return {'ok', found} end
      local m = g[k]
      if string.sub(m, 1, #own) ~= own then
        local r = redis.call('HMGET', key('q', m), 'room', 'id', 'title', 'text', 'status', 'at', 'nd')
        if r[1] then found[#found + 1] = r end
      end
    end
  end
end
return {'ok', found}
