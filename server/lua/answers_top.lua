-- answers_top: the first screen of a room's public record (DESK.md
-- "Public answers"): the questions answered on air, then the approved
-- ones, each by score, at most `limit` in all, as the public reads them;
-- and how many there are in all, so that the page knows to load the rest
-- (the answers script) after showing these.
--@ args limit
--@ reply room questions total
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local limit, out = tonumber(A.limit), {}
for _, status in ipairs({'answered', 'approved'}) do
  if #out < limit then
    for _, id in ipairs(redis.call('ZREVRANGE', key('rank', status), 0, limit - #out - 1)) do
      local q = question(id)
      if q and not filled(q.into) then out[#out + 1] = q_public(q, m.featured) .. '}' end
    end
  end
end
local total = redis.call('ZCARD', key('rank', 'answered')) + redis.call('ZCARD', key('rank', 'approved'))
return {'ok', room_json(m), out, total}
