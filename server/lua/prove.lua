-- prove: a held client id (hello.lua) that proved its work (--id-cost; the
-- hub checked the nonce) counts from now on.
--@ args client
--@ reply held
redis.call('HSET', key('cl', A.client), 'nb', '0')
return {'ok', 0}
