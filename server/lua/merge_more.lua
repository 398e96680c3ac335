-- merge_more: the rest of a merge (moderate.lua), a chunk per call, until
-- it answers more = 0: first the source's own variants, appended to the
-- question it now lives in (followed on if that one was merged since),
-- their askers' "mine" marks and own words moved; then its voters' "voted"
-- marks. The cursors live in the source (mvar: the next variant, -1 once
-- done; mvot: an SSCAN cursor), so any hub can go on after another died
-- (the room's "merging" set lists the merges not finished).
--@ args id limit
--@ reply more
local id, limit = A.id, tonumber(A.limit)
local q = question(id)
local function finish()
  redis.call('SREM', key('merging'), id)
  if q then redis.call('HDEL', key('q', id), 'mvar', 'mvot') end
  return {'ok', 0}
end
if q == nil or q.into == nil or q.into == '' or q.mvar == nil then return finish() end
local dest = live_question(q.into)
if dest == nil then return finish() end
local qk, from = key('q', id), tonumber(q.mvar)

if from >= 0 then
  local vs = redis.call('LRANGE', key('q', id, 'var'), from, from + limit - 1)
  local vc = redis.call('LRANGE', key('q', id, 'varc'), from, from + limit - 1)
  if #vs > 0 then
    push_all(key('q', dest.id, 'var'), vs)
    push_all(key('q', dest.id, 'varc'), vc)
    dest.nvar = tostring(redis.call('HINCRBY', key('q', dest.id), 'nvar', #vs))
    -- An asker without own words kept (it asked while the source was
    -- public) reads the source's public words, as it did.
    local fallback = own_json(q.text, q.masked or '', q.name, q.pname or '', q.created)
    for i = 1, #vc do
      local c = variant_client(vc[i])
      if redis.call('SREM', key('mine', c), id) == 1 then redis.call('SADD', key('mine', c), dest.id) end
      if c ~= dest.author then
        local ok = key('own', c)
        redis.call('HSETNX', ok, dest.id, redis.call('HGET', ok, id) or fallback)
        redis.call('HDEL', ok, id)
      end
    end
    touch(dest)
    emit_upsert(dest, redis.call('HGET', key('meta'), 'featured') or '', dest.status)
  end
  redis.call('HSET', qk, 'mvar', #vs < limit and '-1' or tostring(from + #vs))
  return {'ok', 1}
end

local scan = redis.call('SSCAN', key('q', id, 'voters'), q.mvot or '0', 'COUNT', limit)
for _, c in ipairs(scan[2]) do
  if redis.call('SREM', key('voted', c), id) == 1 then redis.call('SADD', key('voted', c), dest.id) end
end
if scan[1] == '0' then return finish() end
redis.call('HSET', qk, 'mvot', scan[1])
return {'ok', 1}
