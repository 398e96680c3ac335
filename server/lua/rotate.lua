-- rotate: which ("moderator", "presenter" or "both") keys to replace, with
-- the new keys' hashes (each empty when not rotated). Replaces the key
-- hashes and bumps their version;
-- the event tells every hub to close the sessions opened with an old key
-- (but the rotating client's own). The stored answer carries no key: keys
-- exist in clear only in the first ack, sent by the hub.
--@ args client rid which modhash preshash actor actor_name
--@ reply ack modver presver
local client, rid, which, modhash, preshash = A.client, A.rid, A.which, A.modhash, A.preshash

local prev = replay(client, rid)
if prev then return {'ok', prev, 0, 0} end
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local mk = key('meta')
local modver, presver = tonumber(m.modver or '1'), tonumber(m.presver or '1')
if modhash ~= '' then
  modver = modver + 1
  redis.call('HSET', mk, 'modkey', modhash, 'modver', modver)
end
if preshash ~= '' then
  presver = presver + 1
  redis.call('HSET', mk, 'preskey', preshash, 'presver', presver)
end
audit(A.actor, A.actor_name, 'rotate_keys', nil, '{"which":' .. J(which) .. '}')
emit('"op":"keys","which":' .. J(which) .. ',"by":' .. J(client) ..
  ',"modver":' .. modver .. ',"presver":' .. presver)
local ack = '{"type":"ack","rid":' .. J(rid) .. ',"rotated":' .. J(which) .. '}'
remember(client, rid, ack)
return {'ok', ack, modver, presver}
