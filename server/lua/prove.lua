-- prove: a held client id (hello.lua) that proved its work (--id-cost; the
-- hub checked the nonce) counts from now on, and so do the votes it cast
-- while held.
--@ args client rid
--@ reply ack
redis.call('HSET', key('cl', A.client), 'nb', '0')
local m = meta()
for _, id in ipairs(redis.call('SMEMBERS', key('voted', A.client))) do
  if redis.call('SREM', key('q', id, 'held'), A.client) == 1 then
    redis.call('SADD', key('q', id, 'voters'), A.client)
    local q = question(id)
    if q and (q.into == nil or q.into == '') and m then
      set_votes(q)
      emit_upsert(q, m.featured, q.status)
    end
  end
end
return {'ok', '{"type":"ack","rid":' .. J(A.rid) .. '}'}
