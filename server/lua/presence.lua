-- presence: ARGV[4..6] = hub id, viewers connected to that hub, how old (ms)
-- a hub's count may be before it no longer counts. Each hub reports its
-- count every few seconds; a hub that stopped reporting drops out.
-- Returns {"ok", viewers in the room across every hub}.
local pk = key('presence')
redis.call('HSET', pk, ARGV[4], ARGV[5] .. ':' .. NOW)
redis.call('PEXPIRE', pk, 60000)
local total, all = 0, redis.call('HGETALL', pk)
for i = 1, #all, 2 do
  local n, t = string.match(all[i + 1], '^(%d+):(%d+)$')
  if n and tonumber(NOW) - tonumber(t) <= tonumber(ARGV[6]) then
    total = total + tonumber(n)
  else
    redis.call('HDEL', pk, all[i])
  end
end
return {'ok', total}
