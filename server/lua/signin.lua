-- signin: the steps of a sign-in, on the staff prefix. op "check": whether
-- the login or the address group has failed too often lately (retry: ms
-- to wait), else the password hash to verify ("" for an unknown or
-- disabled account, which the hub verifies against a dummy hash all the
-- same, so both take as long). op "fail": counts a failure for both, each
-- count expiring `window` ms after its first. op "ok": the session `sid`
-- (its SHA-256; the id itself is only in the cookie) begins: it lasts
-- `idle` ms from its last use and `absolute` ms at most (session.lua).
--@ args op login group sid window login_max group_max idle
--@ reply hash retry account
local fl, fa = key('fl', A.login), key('fa', A.group)
if A.op == 'check' then
  local wait = 0
  for _, pair in ipairs({{fl, A.login_max}, {fa, A.group_max}}) do
    local n = tonumber(redis.call('GET', pair[1]) or '0')
    if n >= tonumber(pair[2]) then
      local ttl = redis.call('PTTL', pair[1])
      if ttl > wait then wait = ttl end
    end
  end
  if wait > 0 then return {'ok', '', wait, ''} end
  local u = hgetall(key('u', A.login))
  if u.login == nil or u.disabled == '1' then return {'ok', '', 0, ''} end
  return {'ok', u.hash, 0, ''}
elseif A.op == 'fail' then
  for _, k in ipairs({fl, fa}) do
    if redis.call('INCR', k) == 1 then redis.call('PEXPIRE', k, tonumber(A.window)) end
  end
  return {'ok', '', 0, ''}
end
local u = hgetall(key('u', A.login))
if u.login == nil or u.disabled == '1' then return err('auth_failed', 'wrong login or password') end
local sk = key('s', A.sid)
redis.call('HSET', sk, 'login', A.login, 'created', NOW)
redis.call('PEXPIRE', sk, tonumber(A.idle))
redis.call('SADD', key('us', A.login), A.sid)
redis.call('DEL', fl)
return {'ok', '', 0, staff_json(u)}
