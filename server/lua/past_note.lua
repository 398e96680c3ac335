-- past_note: the deployment's memory of questions across broadcasts. Run
-- with the prefix of the memory ("surak:{@past}"), not of a room: a
-- question a moderator approved, answered or rejected is recorded (or its
-- outcome updated) under "ROOM:ID" with its public text, its room's title,
-- its outcome and when, its near-duplicate key, and filed under its LSH
-- bands (the newest BUCKET_MAX per band), so that a later question in
-- another room finds it in time that does not grow with the deployment;
-- a new record is also appended to the log the hubs' copies read.
--@ args room id title text status nd bands
--@ reply recorded
local member = A.room .. ':' .. A.id
local rk = key('q', member)
local known = redis.call('EXISTS', rk) == 1
redis.call('HSET', rk, 'room', A.room, 'id', A.id, 'title', A.title, 'text', A.text,
  'status', A.status, 'at', NOW, 'nd', A.nd)
-- The hubs' copies learn of a new record from the log (past_log.lua).
if not known then redis.call('RPUSH', key('log'), member .. '\t' .. A.nd) end
if not known and A.bands ~= '' then
  local i = 0
  for b in string.gmatch(A.bands, '[^,]+') do
    i = i + 1
    local k = key('lsh', (i - 1) % BANDS + 1, b)
    redis.call('ZADD', k, NOW, member)
    if redis.call('ZCARD', k) > BUCKET_MAX then
      redis.call('ZREMRANGEBYRANK', k, 0, -(BUCKET_MAX + 1))
    end
  end
end
return {'ok', known and 0 or 1}
