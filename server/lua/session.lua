-- session: a staff session, by the SHA-256 of its id, on the staff
-- prefix. op "get": its account, if the session is alive (used within
-- `idle` ms, begun less than `absolute` ms ago, its account enabled); its
-- idle expiry starts again. op "end": it ends. op "alive": of the
-- sessions `sids` (space-separated), those that are no more.
--@ args op sid sids idle absolute
--@ reply account dead
if A.op == 'alive' then
  local dead = {}
  for sid in string.gmatch(A.sids, '%S+') do
    if redis.call('EXISTS', key('s', sid)) == 0 then dead[#dead + 1] = sid end
  end
  return {'ok', '', dead}
end
local sk = key('s', A.sid)
local s = hgetall(sk)
if A.op == 'end' then
  redis.call('DEL', sk)
  if s.login then redis.call('SREM', key('us', s.login), A.sid) end
  return {'ok', '', {}}
end
if s.login == nil then return err('auth_failed', 'not signed in') end
local u = hgetall(key('u', s.login))
if u.login == nil or u.disabled == '1' or tonumber(NOW) - tonumber(s.created) > tonumber(A.absolute) then
  redis.call('DEL', sk)
  redis.call('SREM', key('us', s.login), A.sid)
  return err('auth_failed', 'the session has ended')
end
redis.call('PEXPIRE', sk, tonumber(A.idle))
return {'ok', staff_json(u), {}}
