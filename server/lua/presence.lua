-- presence: each hub reports its count of the room's viewers and the names
-- of its signed-in staff there (a JSON array) every few seconds; a hub
-- whose report is older than `stale_ms` drops out. Answers the viewers
-- across hubs and every name once, sorted.
--@ args hub viewers stale_ms staff
--@ reply viewers staff
local pk = key('presence')
redis.call('HSET', pk, A.hub, A.viewers .. ':' .. NOW .. ':' .. A.staff)
redis.call('PEXPIRE', pk, 60000)
local total, names, all = 0, {}, redis.call('HGETALL', pk)
for i = 1, #all, 2 do
  local n, t, s = string.match(all[i + 1], '^(%d+):(%d+):?(.*)$')
  if n and tonumber(NOW) - tonumber(t) <= tonumber(A.stale_ms) then
    total = total + tonumber(n)
    local ok, list = pcall(cjson.decode, s ~= '' and s or '[]')
    if ok and type(list) == 'table' then
      for _, name in ipairs(list) do if type(name) == 'string' then names[name] = true end end
    end
  else
    redis.call('HDEL', pk, all[i])
  end
end
local sorted = {}
for name in pairs(names) do sorted[#sorted + 1] = name end
table.sort(sorted)
local out = {}
for i, name in ipairs(sorted) do out[i] = J(name) end
return {'ok', total, '[' .. table.concat(out, ',') .. ']'}
