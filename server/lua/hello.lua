-- hello: what admitting viewers needs that the hub's copy of the room does
-- not hold: each client's own questions and votes. The hub sends the
-- hellos of one room that arrive together in one call (clients: their ids,
-- separated by spaces). Records when each client was first seen in the
-- room (vote bursts from new clients are held).
-- Returns, in the order of the clients, their question ids and vote ids.
--@ args clients
--@ reply mine voted
if redis.call('EXISTS', key('meta')) == 0 then return err('no_room', 'no such room') end
local mine, voted = {}, {}
for client in string.gmatch(A.clients, '%S+') do
  redis.call('HSETNX', key('seen'), client, NOW)
  mine[#mine + 1] = redis.call('SMEMBERS', key('mine', client))
  voted[#voted + 1] = redis.call('SMEMBERS', key('voted', client))
end
return {'ok', mine, voted}
