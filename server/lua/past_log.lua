-- past_log: the deployment's memory as a log, for the hubs' copies of it
-- (past.c): every record past_note.lua filed, as "ROOM:ID<TAB>ND" (its
-- near-duplicate key), at most `count` from entry `from` (0-based), with
-- how many there are, whether the log holds every record (1/0), and its
-- first entry (a copy that saw another first entry reads it anew: the log
-- was replaced, by a Redis restored from an older file, say).
-- Records filed before the log existed are appended once, one SCAN step
-- per call (the cursor kept in meta as "fill", then "done"), whichever
-- hub makes the call; a record both filed and found by the step is
-- logged twice, and a copy keeps the first.
--@ args from count
--@ reply entries total complete first
local fill = redis.call('HGET', key('meta'), 'fill')
if fill ~= 'done' then
  local step = redis.call('SCAN', fill or '0', 'MATCH', key('q', '*'), 'COUNT', 5000)
  for _, k in ipairs(step[2]) do
    local nd = redis.call('HGET', k, 'nd')
    if nd then redis.call('RPUSH', key('log'), string.sub(k, #P + 4) .. '\t' .. nd) end
  end
  fill = step[1] == '0' and 'done' or step[1]
  redis.call('HSET', key('meta'), 'fill', fill)
end
local from = tonumber(A.from)
return {'ok', redis.call('LRANGE', key('log'), from, from + tonumber(A.count) - 1),
  redis.call('LLEN', key('log')), fill == 'done' and 1 or 0, redis.call('LINDEX', key('log'), 0) or ''}
