-- create_room: a new room with its key hashes; refuses an existing id.
--@ args id title moderation modkey preskey epoch
--@ reply room
if redis.call('EXISTS', key('meta')) == 1 then
  return err('exists', 'a room with this id exists')
end
redis.call('HSET', key('meta'), 'id', A.id, 'title', A.title, 'open', '1',
  'moderation', A.moderation, 'modkey', A.modkey, 'preskey', A.preskey,
  'epoch', A.epoch, 'seq', '0', 'qid', '0', 'featured', '', 'created', NOW)
return {'ok', room_json(meta())}
