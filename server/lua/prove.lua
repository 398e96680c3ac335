-- prove: a held client id (hello.lua) that proved its work (--id-cost; the
-- hub checked the nonce) counts from now on.
--@ args client rid
--@ reply ack
redis.call('HSET', key('cl', A.client), 'nb', '0')
return {'ok', '{"type":"ack","rid":' .. J(A.rid) .. '}'}
