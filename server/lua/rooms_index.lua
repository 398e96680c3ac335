-- rooms_index: the deployment's rooms, for the console, on the staff
-- prefix. op "add": a room created at `at` (ms), opening at `opens_at`
-- (ms, or empty); op "list": every room id, newest first; op "due": the
-- rooms whose opening time has come, each answered once (so one hub opens
-- each); op "range": the rooms created from `at` to `opens_at` (ms,
-- both included), oldest first (the reports over a span of days).
--@ args op id at opens_at
--@ reply ids
if A.op == 'add' then
  redis.call('ZADD', key('rooms'), tonumber(A.at), A.id)
  if A.opens_at ~= '' then redis.call('ZADD', key('opening'), tonumber(A.opens_at), A.id) end
  return {'ok', {}}
elseif A.op == 'open_at' then
  redis.call('ZREM', key('opening'), A.id)
  if A.opens_at ~= '' and A.opens_at ~= '0' then redis.call('ZADD', key('opening'), tonumber(A.opens_at), A.id) end
  return {'ok', {}}
elseif A.op == 'range' then
  return {'ok', redis.call('ZRANGEBYSCORE', key('rooms'), tonumber(A.at), tonumber(A.opens_at))}
elseif A.op == 'due' then
  local due = redis.call('ZRANGEBYSCORE', key('opening'), '-inf', NOW)
  if #due > 0 then redis.call('ZREM', key('opening'), unpack(due)) end
  return {'ok', due}
end
return {'ok', redis.call('ZREVRANGE', key('rooms'), 0, -1)}
