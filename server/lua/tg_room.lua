-- tg_room: a room's side of Telegram (docs/INTAKE.md). op "follow": chat
-- `chat` (language `lang`) follows question `id` (moderate.lua tells it
-- what becomes of it). op "take": up to `max` items of the outbox, each
-- kept in flight (tgfly) until "done"; items in flight longer than a
-- minute (a hub that died sending them) are taken again. op "done": item
-- `id` was sent.
--@ args op id chat lang max
--@ reply items
if A.op == 'follow' then
  redis.call('HSET', key('tgf', A.id), A.chat, A.lang)
  return {'ok', {}}
elseif A.op == 'done' then
  redis.call('HDEL', key('tgfly'), A.id)
  return {'ok', {}}
end
local fly, out = key('tgfly'), {}
local now = tonumber(NOW)
local all = redis.call('HGETALL', fly)
for i = 1, #all, 2 do
  local t = tonumber(string.match(all[i + 1], '^(%d+)\t'))
  if t and now - t > 60000 and #out < tonumber(A.max) then
    local item = string.match(all[i + 1], '^%d+\t(.*)$')
    redis.call('HSET', fly, all[i], NOW .. '\t' .. item)
    out[#out + 1] = all[i] .. '\t' .. item
  end
end
while #out < tonumber(A.max) do
  local item = redis.call('LPOP', key('tgout'))
  if not item then break end
  local seq = tostring(redis.call('INCR', key('tgseq')))
  redis.call('HSET', fly, seq, NOW .. '\t' .. item)
  out[#out + 1] = seq .. '\t' .. item
end
return {'ok', out}
