-- create_room: ARGV[4..9] = id, title, moderation (0/1), moderator key
-- hash, presenter key hash, epoch. Returns {"ok", room_json}.
local id, title, moderation = ARGV[4], ARGV[5], ARGV[6]
if redis.call('EXISTS', key('meta')) == 1 then
  return err('exists', 'a room with this id exists')
end
redis.call('HSET', key('meta'), 'id', id, 'title', title, 'open', '1',
  'moderation', moderation, 'modkey', ARGV[7], 'preskey', ARGV[8],
  'epoch', ARGV[9], 'seq', '0', 'qid', '0', 'featured', '', 'created', NOW)
return {'ok', room_json(meta())}
