-- hello: ARGV[4] = client. What the hub needs to admit a client: the room,
-- its key hashes (compared by the hub in constant time), whether the client
-- is banned, and the client's own questions and votes.
-- Returns {"ok", room_json, seq, epoch, modkey, preskey, banned, mine, voted}.
local client = ARGV[4]
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local banned = redis.call('SISMEMBER', key('banned'), client)
return {'ok', room_json(m), tonumber(m.seq), m.epoch, m.modkey, m.preskey, banned,
  redis.call('SMEMBERS', key('mine', client)),
  redis.call('SMEMBERS', key('voted', client))}
