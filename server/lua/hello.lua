-- hello: ARGV[4..5] = client, "1" to record when this client was first seen
-- in the room (viewers; vote bursts from new clients are held). What the hub
-- needs to admit a client: the room, its key hashes (compared by the hub in
-- constant time) and their versions, whether the client is banned, and the
-- client's own questions and votes.
-- Returns {"ok", room_json, seq, epoch, modkey, preskey, banned, mine, voted,
-- modver, presver}.
local client = ARGV[4]
local m = meta()
if m == nil then return err('no_room', 'no such room') end
if ARGV[5] == '1' then redis.call('HSETNX', key('seen'), client, NOW) end
local banned = redis.call('SISMEMBER', key('banned'), client)
return {'ok', room_json(m), tonumber(m.seq), m.epoch, m.modkey, m.preskey, banned,
  redis.call('SMEMBERS', key('mine', client)),
  redis.call('SMEMBERS', key('voted', client)),
  tonumber(m.modver or '1'), tonumber(m.presver or '1')}
