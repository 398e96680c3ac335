-- ban: bans the author of question id (or the author with that handle;
-- the other is empty) from asking and voting in the room, and rejects their
-- pending questions. A client id is the banned person's own choice, so the
-- address group they asked from is held too for `hold_s` seconds: new ids
-- from it are held (their votes not counted, see hello.lua).
--@ args client rid id handle hold_s actor actor_name
--@ reply ack handle
local client, rid, id, handle = A.client, A.rid, A.id, A.handle

local prev = replay(client, rid)
if prev then return {'ok', prev, ''} end
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local target
if id ~= '' then
  local q = question(id)
  if q == nil then return err('no_question', 'no such question') end
  target, handle = q.author, q.ah
else
  target = redis.call('HGET', key('handles'), handle)
  if not target then return err('bad_request', 'no such author') end
end
if target == client then return err('not_allowed', 'you cannot ban yourself') end
redis.call('SADD', key('banned'), target)
for _, qid in ipairs(redis.call('SMEMBERS', key('mine', target))) do
  local q = question(qid)
  if q and q.author == target and q.ag and q.ag ~= '' then
    redis.call('SET', key('bang', q.ag), '1', 'EX', tonumber(A.hold_s))
  end
  if q and q.author == target and q.status == 'pending' and (q.into == nil or q.into == '') then
    set_status(q, 'rejected')
    touch(q)
    emit_upsert(q, m.featured, 'pending')
  end
end
audit(A.actor, A.actor_name, 'ban', id ~= '' and id or nil, '{"author":' .. J(handle) .. '}')
local ack = '{"type":"ack","rid":' .. J(rid) .. ',"author":' .. J(handle) .. '}'
remember(client, rid, ack)
return {'ok', ack, handle}
