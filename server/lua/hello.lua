-- hello: what admitting viewers needs that the hub's copy of the room does
-- not hold: each client's own questions and votes, and what it may read of
-- the questions it shares with others (own:CLIENT). The hub sends the
-- hellos of one room that arrive together in one call: clients and their
-- address groups (IPv4 address, IPv6 /64), separated by spaces.
--
-- A client id seen for the first time takes a token from its address
-- group's budget of new ids (a token bucket: `rate` a minute, `burst` at
-- once); an id that finds none, or comes from a group a ban is holding, or
-- must prove work (`cost` > 0), is "held": its votes are recorded but not
-- counted until a moderator releases them (see vote.lua). Residents behind
-- one carrier address who arrive a few a second all count; hundreds of
-- fresh ids at once do not. What is known of a client (cl:CLIENT: first
-- seen, held) expires after CLIENT_TTL without a hello.
-- Returns, in the order of the clients, their question ids, vote ids, own
-- views ({qid, json, …}) and whether each is held (0/1).
--@ args clients groups rate burst cost
--@ reply mine voted own held
if redis.call('EXISTS', key('meta')) == 0 then return err('no_room', 'no such room') end
local CLIENT_TTL = 30 * 86400
local rate, burst, cost = tonumber(A.rate), tonumber(A.burst), tonumber(A.cost)
local groups = {}
for g in string.gmatch(A.groups, '%S+') do groups[#groups + 1] = g end
local mine, voted, own, held = {}, {}, {}, {}
local i = 0
for client in string.gmatch(A.clients, '%S+') do
  i = i + 1
  local ck = key('cl', client)
  local nb = redis.call('HGET', ck, 'nb')
  if not nb then
    -- A new id: does its address group have one to spare?
    local g = groups[i] or ''
    local bk = key('idb', g)
    local b = redis.call('HMGET', bk, 'tokens', 'ts')
    local tokens, ts = tonumber(b[1]) or burst, tonumber(b[2]) or tonumber(NOW)
    tokens = math.min(burst, tokens + (tonumber(NOW) - ts) * rate / 60000)
    if cost > 0 or redis.call('EXISTS', key('bang', g)) == 1 or tokens < 1 then
      nb = '1'
    else
      nb = '0'
      tokens = tokens - 1
    end
    redis.call('HSET', bk, 'tokens', tostring(tokens), 'ts', NOW)
    redis.call('PEXPIRE', bk, math.ceil(burst * 60000 / rate) + 60000)
    redis.call('HSET', ck, 'seen', NOW, 'nb', nb)
  end
  redis.call('EXPIRE', ck, CLIENT_TTL)
  mine[i] = redis.call('SMEMBERS', key('mine', client))
  voted[i] = redis.call('SMEMBERS', key('voted', client))
  own[i] = redis.call('HGETALL', key('own', client))
  held[i] = tonumber(nb)
end
return {'ok', mine, voted, own, held}
