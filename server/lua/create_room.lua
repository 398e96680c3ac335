-- create_room: a new room with its key hashes; refuses an existing id.
--@ args id title moderation modkey preskey epoch actor opens_at actor_name
--@ reply room
if redis.call('EXISTS', key('meta')) == 1 then
  return err('exists', 'a room with this id exists')
end
-- A room with an opening time is created closed; the hub opens it then.
redis.call('HSET', key('meta'), 'id', A.id, 'title', A.title, 'open', A.opens_at ~= '' and '0' or '1',
  'opens_at', A.opens_at,
  'moderation', A.moderation, 'modkey', A.modkey, 'preskey', A.preskey,
  'epoch', A.epoch, 'seq', '0', 'qid', '0', 'featured', '', 'created', NOW)
audit(A.actor, A.actor_name, 'create_room', nil, '{"title":' .. J(A.title) .. ',"moderation":' .. J(A.moderation == '1') .. '}')
return {'ok', room_json(meta())}
