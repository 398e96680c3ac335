-- hello: what admitting a viewer needs that the hub's copy of the room does
-- not hold: the client's own questions and votes. Records when the client
-- was first seen in the room (vote bursts from new clients are held).
--@ args client
--@ reply mine voted
if redis.call('EXISTS', key('meta')) == 0 then return err('no_room', 'no such room') end
redis.call('HSETNX', key('seen'), A.client, NOW)
return {'ok', redis.call('SMEMBERS', key('mine', A.client)), redis.call('SMEMBERS', key('voted', A.client))}
