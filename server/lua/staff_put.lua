-- staff_put: a staff account, run on the staff prefix ("surak:{@staff}").
-- op "add" creates one (refused if the login exists); op "update" changes
-- one: each non-empty argument replaces that field (disabled "0" or "1",
-- hash a new password's). Disabling an account or changing its password
-- ends its sessions (the hubs close their WebSockets within a second).
-- Answers the account as staff may read it, without its hash.
--@ args op login name hash roles departments disabled
--@ reply account
local uk = key('u', A.login)
local exists = redis.call('EXISTS', uk) == 1
if A.op == 'add' then
  if exists then return err('exists', 'a staff account with this login exists') end
  redis.call('HSET', uk, 'login', A.login, 'name', A.name, 'hash', A.hash, 'roles', A.roles,
    'departments', A.departments, 'disabled', '0', 'created', NOW)
  redis.call('SADD', key('logins'), A.login)
else
  if not exists then return err('no_staff', 'no such staff account') end
  local set = {}
  for _, f in ipairs({'name', 'hash', 'roles', 'departments', 'disabled'}) do
    if A[f] ~= '' then set[#set + 1] = f; set[#set + 1] = A[f] end
  end
  if #set > 0 then redis.call('HSET', uk, unpack(set)) end
  if A.hash ~= '' or A.disabled == '1' then
    local sk = key('us', A.login)
    for _, sid in ipairs(redis.call('SMEMBERS', sk)) do redis.call('DEL', key('s', sid)) end
    redis.call('DEL', sk)
  end
end
return {'ok', staff_json(hgetall(uk))}
