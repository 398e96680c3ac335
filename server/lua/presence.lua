-- presence: each hub reports its count of the room's viewers every few
-- seconds; a hub whose report is older than `stale_ms` drops out.
--@ args hub viewers stale_ms
--@ reply viewers
local pk = key('presence')
redis.call('HSET', pk, A.hub, A.viewers .. ':' .. NOW)
redis.call('PEXPIRE', pk, 60000)
local total, all = 0, redis.call('HGETALL', pk)
for i = 1, #all, 2 do
  local n, t = string.match(all[i + 1], '^(%d+):(%d+)$')
  if n and tonumber(NOW) - tonumber(t) <= tonumber(A.stale_ms) then
    total = total + tonumber(n)
  else
    redis.call('HDEL', pk, all[i])
  end
end
return {'ok', total}
