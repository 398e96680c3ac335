-- ask: ARGV[4..10] = client, rid, text (cleaned), name (cleaned, may be
-- empty), fingerprint, asks allowed per window, window in ms.
-- A question whose fingerprint is known is merged into the known one as a
-- variant, in this same call, so two hubs racing with the same question
-- make one question with two votes.
-- Returns {"ok", ack_json, id, duplicate (0/1)}.
local client, rid, text, name, fp = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local limit, window = tonumber(ARGV[9]), tonumber(ARGV[10])

local prev = replay(client, rid)
if prev then return {'ok', prev, 0, 0} end
local m, e = viewer_gate(client, 'ask')
if not m then return e end
local wait = limited('ask', client, limit, window)
if wait > 0 then return err('rate_limited', 'too many questions, wait a little', wait) end

local handle = author_handle(client)
local id = redis.call('HGET', key('fp'), fp)
local q, dup
if id then
  q = question(id)
  while q.into and q.into ~= '' do
    id = q.into
    q = question(id)
  end
  local was = q.status
  local qk = key('q', id)
  redis.call('RPUSH', key('q', id, 'var'), '{"text":' .. J(text) .. ',"name":' .. J(name ~= '' and name) ..
    ',"created":' .. NOW .. ',"author":' .. J(handle) .. ',"similarity":1}')
  redis.call('RPUSH', key('q', id, 'varc'), client)
  q.nvar = tostring(redis.call('HINCRBY', qk, 'nvar', 1))
  q.dups = tostring(redis.call('HINCRBY', qk, 'dups', 1))
  redis.call('SADD', key('q', id, 'voters'), client)
  redis.call('SADD', key('mine', client), id)
  set_votes(q)
  touch(q)
  emit_upsert(q, m.featured, was, client)
  dup = 1
else
  id = tostring(redis.call('HINCRBY', key('meta'), 'qid', 1))
  local status = m.moderation == '1' and 'pending' or 'approved'
  q = {id = id, text = text, name = name, status = status, votes = '1', dups = '0',
    score = '1', created = NOW, updated = NOW, author = client, ah = handle, fp = fp,
    fps = fp, flags = '', nvar = '0'}
  local flat = {}
  for k, v in pairs(q) do flat[#flat + 1] = k; flat[#flat + 1] = v end
  redis.call('HSET', key('q', id), unpack(flat))
  redis.call('SADD', key('q', id, 'voters'), client)
  redis.call('ZADD', key('rank', status), 1, id)
  redis.call('HSET', key('fp'), fp, id)
  redis.call('SADD', key('mine', client), id)
  emit_upsert(q, m.featured, '', client)
  dup = 0
end
local ack = '{"type":"ack","rid":' .. J(rid) .. ',"id":' .. id .. ',"duplicate_of":' ..
  (dup == 1 and id or 'null') .. ',"status":' .. J(q.status) .. ',"q":' .. q_mine(q, m.featured, client) .. '}'
remember(client, rid, ack)
return {'ok', ack, tonumber(id), dup}
