-- tg: the Telegram poller's state (docs/INTAKE.md), on surak:{@tg}.
-- op "lease": `hub` takes or keeps the poller's lease for `ttl` ms; the
-- answer's token is the lease's fencing token (a new one each time the
-- lease changes hands), 0 when another hub holds it; offset is where
-- getUpdates goes on. op "release": the holder gives it up. op "commit":
-- the offset moves on to `offset`, only for the holder of the lease with
-- the current token (else "fenced"), and never back. op "chat": what a
-- chat chose (its room, language, whether its name is shown); op
-- "chat_set": a chat's room and language; op "anon": a chat asks without
-- its name; op "room_add": a room with Telegram askers (whose outbox the
-- poller drains); op "rooms": those rooms, comma-separated, in `room`.
--@ args op hub ttl token offset chat room lang
--@ reply token offset room lang anon
local lk, tk, ok_ = key('lease'), key('token'), key('offset')
local offset = tonumber(redis.call('GET', ok_) or '0')
if A.op == 'lease' then
  local holder = redis.call('GET', lk)
  if holder and holder ~= A.hub then return {'ok', 0, offset, '', '', ''} end
  redis.call('SET', lk, A.hub, 'PX', tonumber(A.ttl))
  local token = holder and tonumber(redis.call('GET', tk) or '0') or redis.call('INCR', tk)
  return {'ok', token, offset, '', '', ''}
elseif A.op == 'release' then
  if redis.call('GET', lk) == A.hub then redis.call('DEL', lk) end
  return {'ok', 0, offset, '', '', ''}
elseif A.op == 'commit' then
  if redis.call('GET', lk) ~= A.hub or redis.call('GET', tk) ~= A.token then
    return err('fenced', 'this hub no longer holds the lease')
  end
  if tonumber(A.offset) > offset then
    offset = tonumber(A.offset)
    redis.call('SET', ok_, offset)
  end
  return {'ok', tonumber(A.token), offset, '', '', ''}
elseif A.op == 'chat_set' then
  redis.call('HSET', key('chats'), A.chat, A.room)
  redis.call('HSET', key('lang'), A.chat, A.lang)
  redis.call('HDEL', key('anon'), A.chat)
elseif A.op == 'anon' then
  redis.call('HSET', key('anon'), A.chat, '1')
elseif A.op == 'room_add' then
  redis.call('SADD', key('rooms'), A.room)
elseif A.op == 'rooms' then
  return {'ok', 0, offset, table.concat(redis.call('SMEMBERS', key('rooms')), ','), '', ''}
end
return {'ok', 0, offset, redis.call('HGET', key('chats'), A.chat) or '',
  redis.call('HGET', key('lang'), A.chat) or '', redis.call('HGET', key('anon'), A.chat) or ''}
