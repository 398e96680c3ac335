-- keys: the room's key hashes (the hub compares them with a key in
-- constant time) and their versions (bumped by each rotation). Staff hellos
-- and exports are authorised with them.
--@ args
--@ reply modkey preskey modver presver
local m = meta()
if m == nil then return err('no_room', 'no such room') end
return {'ok', m.modkey, m.preskey, tonumber(m.modver or '1'), tonumber(m.presver or '1')}
