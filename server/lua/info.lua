-- info: a room as the console lists it: the room, when it was created, how
-- many questions were asked and are live, and its viewers now (presence).
--@ args stale_ms
--@ reply room created asked questions viewers
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local live = 0
for _, st in ipairs({'pending', 'approved', 'answered', 'rejected'}) do
  live = live + redis.call('ZCARD', key('rank', st))
end
local viewers, all = 0, redis.call('HGETALL', key('presence'))
for i = 1, #all, 2 do
  local n, t = string.match(all[i + 1], '^(%d+):(%d+)')
  if n and tonumber(NOW) - tonumber(t) <= tonumber(A.stale_ms) then viewers = viewers + tonumber(n) end
end
return {'ok', room_json(m), tonumber(m.created or '0'), tonumber(m.qid or '0'), live, viewers}
