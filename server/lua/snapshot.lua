-- snapshot: the whole room for a hub's in-memory copy: every question not
-- merged away (moderator view), and the kept history, whose last event is
-- `seq`. Runs in one call, so nothing changes in between.
--@ args
--@ reply room seq epoch questions events
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local qs = {}
for _, status in ipairs({'pending', 'approved', 'answered', 'rejected'}) do
  for _, id in ipairs(redis.call('ZRANGE', key('rank', status), 0, -1)) do
    local q = question(id)
    if q then qs[#qs + 1] = q_full(q, m.featured) end
  end
end
return {'ok', room_json(m), tonumber(m.seq), m.epoch, qs, redis.call('LRANGE', key('ev'), 0, -1)}
