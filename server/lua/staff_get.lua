-- staff_get: one staff account (login), or every one (login empty), as
-- staff may read them (no hash), on the staff prefix.
--@ args login
--@ reply accounts
local out = {}
local logins = A.login ~= '' and {A.login} or redis.call('SMEMBERS', key('logins'))
table.sort(logins)
for _, l in ipairs(logins) do
  local u = hgetall(key('u', l))
  if u.login then out[#out + 1] = staff_json(u) end
end
if A.login ~= '' and #out == 0 then return err('no_staff', 'no such staff account') end
return {'ok', out}
