-- moderate: one moderation action on question id. Arguments beyond the
-- action: text and fingerprint (edit), target id (merge), variant index
-- (split), screening flags and masked text (edit).
-- Presenters may only answer, feature and unfeature (the hub checks too).
-- Each action is written to the audit trail under `actor` (a staff login,
-- or "key:moderator" / "key:presenter").
-- The follow-up (DESK.md): `assign` hands the question to `department`
-- (its name `dept_name`, checked by the hub) by the day `due`; `reply`
-- writes the answer (`text`), public at once, which a responder may do
-- for the departments it belongs to (`depts`, comma-separated); `tag`
-- replaces the topics and places (ids checked by the hub).
--@ args client rid role id action text fp into variant screen masked actor actor_name department dept_name due topics places depts
--@ reply ack id title
local client, rid, role, id, action = A.client, A.rid, A.role, A.id, A.action
local text, fp, into, variant = A.text, A.fp, A.into, tonumber(A.variant)
local screen, masked = A.screen, A.masked

local prev = replay(client, rid)
if prev then return {'ok', prev, 0, ''} end
local m = meta()
if m == nil then return err('no_room', 'no such room') end
if role == 'responder' and action ~= 'reply' then
  return err('not_allowed', 'responders may only reply')
elseif role == 'presenter' and action ~= 'answer' and action ~= 'feature' and action ~= 'unfeature' then
  return err('not_allowed', 'presenters may only answer, feature and unfeature')
end
local q = question(id)
if q == nil or (q.into and q.into ~= '') then return err('no_question', 'no such question') end
if role == 'responder' and not string.find(',' .. A.depts .. ',', ',' .. (q.fdept or '') .. ',', 1, true) then
  return err('not_allowed', 'the question is not assigned to your department')
end

local mk = key('meta')
local featured = m.featured

local function set_featured(new)
  local old = featured
  featured = new
  redis.call('HSET', mk, 'featured', new)
  if old ~= '' and old ~= new then
    local oq = question(old)
    if oq and (oq.into == nil or oq.into == '') then emit_upsert(oq, featured, oq.status) end
  end
end

local was = q.status
local result = q

if action == 'approve' then
  set_status(q, 'approved')
elseif action == 'reject' then
  if featured == q.id then set_featured('') end
  set_status(q, 'rejected')
elseif action == 'answer' then
  if not VISIBLE[q.status] then return err('not_allowed', 'only an approved question can be answered') end
  if featured == q.id then set_featured('') end
  set_status(q, 'answered')
  q.aat = NOW
  redis.call('HSET', key('q', id), 'aat', NOW)
elseif action == 'reopen' then
  if q.status == 'answered' then
    set_status(q, 'approved')
    q.aat = nil
    redis.call('HDEL', key('q', id), 'aat')
  elseif q.status == 'rejected' then set_status(q, 'pending') end
elseif action == 'assign' then
  if not VISIBLE[q.status] then return err('not_allowed', 'approve the question before assigning it') end
  if filled(q.fans) then return err('not_allowed', 'the question is answered in writing already') end
  q.fdept, q.fdname, q.fdue = A.department, A.dept_name, A.due
  redis.call('HSET', key('q', id), 'fdept', q.fdept, 'fdname', q.fdname, 'fdue', q.fdue)
  -- The room's follow-up, by due day (YYYYMMDD), for the responders' lists.
  redis.call('ZADD', key('fu'), tonumber((string.gsub(q.fdue, '-', ''))), id)
elseif action == 'reply' then
  if not filled(q.fdept) then return err('not_allowed', 'assign the question to a department first') end
  if not VISIBLE[q.status] then return err('not_allowed', 'the question is not public') end
  q.fans = '{"text":' .. J(text) .. ',"at":' .. NOW .. ',"by":' .. J(filled(q.fdname) and q.fdname or q.fdept) .. '}'
  redis.call('HSET', key('q', id), 'fans', q.fans)
elseif action == 'tag' then
  q.topics, q.places = A.topics, A.places
  redis.call('HSET', key('q', id), 'topics', q.topics, 'places', q.places)
elseif action == 'feature' then
  if q.status == 'rejected' or (role ~= 'moderator' and not VISIBLE[q.status]) then
    return err('not_allowed', 'only an approved question can go on air')
  end
  set_status(q, 'approved')
  set_featured(q.id)
elseif action == 'unfeature' then
  if featured == q.id then set_featured('') end
elseif action == 'edit' then
  local qk = key('q', id)
  if q.orig == nil or q.orig == '' then redis.call('HSET', qk, 'orig', q.text); q.orig = q.text end
  q.text = text
  q.masked = masked
  set_screen_flags(q, screen)
  redis.call('HSET', qk, 'text', text, 'masked', masked, 'flags', q.flags)
  if redis.call('HSETNX', key('fp'), fp, id) == 1 then
    q.fps = (q.fps or '') .. ',' .. fp
    redis.call('HSET', qk, 'fps', q.fps)
  end
elseif action == 'dismiss' then
  -- Not the same as the question suggested: the suggestion goes, for good.
  if q.sugg == nil or q.sugg == '' then return err('bad_request', 'nothing suggested to dismiss') end
  redis.call('HDEL', key('q', id), 'sugg')
  q.sugg = nil
elseif action == 'release_votes' or action == 'discard_votes' then
  -- The held votes count from now on, or are taken back from their clients.
  local hk = key('q', id, 'held')
  if action == 'release_votes' then
    redis.call('SUNIONSTORE', key('q', id, 'voters'), key('q', id, 'voters'), hk)
  else
    for _, c in ipairs(redis.call('SMEMBERS', hk)) do redis.call('SREM', key('voted', c), id) end
  end
  redis.call('DEL', hk)
  local keep = {}
  for f in string.gmatch(q.flags or '', '[^,]+') do
    if f ~= 'vote_burst' then keep[#keep + 1] = f end
  end
  q.flags = table.concat(keep, ',')
  redis.call('HSET', key('q', id), 'flags', q.flags)
  set_votes(q)
elseif action == 'merge' then
  -- A target merged away since the moderator saw it: the question it lives in.
  into = live_status(into) or into
  local t = question(into)
  if into == id then return err('bad_request', 'cannot merge a question into itself') end
  if t == nil or (t.into and t.into ~= '') then return err('no_question', 'no such target question') end
  local tk, qk = key('q', into), key('q', id)
  -- The source becomes a variant of the target now, and its askers and
  -- voters count there. Its own variants, their askers' own words and the
  -- voters' marks follow a chunk per call (merge_more.lua, which the hub
  -- runs until done), so that a question asked by thousands merges in
  -- short calls.
  redis.call('RPUSH', key('q', into, 'var'), '{"text":' .. J(q.text) .. ',"name":' .. J(q.name ~= '' and q.name) ..
    ',"created":' .. q.created .. ',"author":' .. J(q.ah) .. ',"similarity":null}')
  redis.call('RPUSH', key('q', into, 'varc'), variant_meta(q.author, q.fp, q.nd, q.bands, q.flags, q.masked, q.pname))
  t.nvar = tostring(redis.call('HINCRBY', tk, 'nvar', 1))
  t.dups = tostring(redis.call('HINCRBY', tk, 'dups', 1 + tonumber(q.dups)))
  for _, set in ipairs({'voters', 'held'}) do
    redis.call('SUNIONSTORE', key('q', into, set), key('q', into, set), key('q', id, set))
  end
  -- The source's author keeps reading its own words while the public may not see the target.
  if redis.call('SREM', key('mine', q.author), id) == 1 then redis.call('SADD', key('mine', q.author), into) end
  if q.author ~= t.author then
    local ok = key('own', q.author)
    redis.call('HSETNX', ok, into, own_json(q.text, q.masked or '', q.name, q.pname or '', q.created))
    redis.call('HDEL', ok, id)
  end
  for f in string.gmatch(q.fps or '', '[^,]+') do redis.call('HSET', key('fp'), f, into) end
  if featured == id then set_featured('') end
  redis.call('ZREM', key('rank', q.status), id)
  redis.call('HSET', qk, 'into', into, 'updated', NOW, 'mvar', '0', 'mvot', '0')
  redis.call('SADD', key('merging'), id)
  q.into = into
  emit_remove(q, was, into)
  set_votes(t)
  touch(t)
  emit_upsert(t, featured, t.status)
  result = t
elseif action == 'split' then
  local n = tonumber(q.nvar or '0')
  if variant == nil or variant < 0 or variant >= n or variant ~= math.floor(variant) then
    return err('bad_request', 'no such variant')
  end
  local vk, ck = key('q', id, 'var'), key('q', id, 'varc')
  local v = cjson.decode(redis.call('LINDEX', vk, variant))
  local hidden = redis.call('LINDEX', ck, variant)
  local c = variant_client(hidden)
  local vm = string.sub(hidden, 1, 1) == '{' and cjson.decode(hidden) or {}
  local mark = '\0split:' .. NOW
  redis.call('LSET', vk, variant, mark)
  redis.call('LREM', vk, 1, mark)
  redis.call('LSET', ck, variant, mark)
  redis.call('LREM', ck, 1, mark)
  local qk = key('q', id)
  q.nvar = tostring(redis.call('HINCRBY', qk, 'nvar', -1))
  q.dups = tostring(redis.call('HINCRBY', qk, 'dups', -1))
  -- The asker moves to the new question unless still tied to this one.
  local still = q.author == c
  for _, other in ipairs(redis.call('LRANGE', ck, 0, -1)) do
    if variant_client(other) == c then still = true end
  end
  if not still then
    redis.call('SREM', key('mine', c), id)
    if redis.call('SISMEMBER', key('voted', c), id) == 0 then
      redis.call('SREM', key('q', id, 'voters'), c)
    end
  end
  local nid = tostring(redis.call('HINCRBY', mk, 'qid', 1))
  local status = m.moderation == '1' and 'pending' or 'approved'
  local name = v.name
  if name == nil or name == cjson.null then name = '' end
  local nq = {id = nid, text = v.text, name = name, status = status, votes = '1', dups = '0',
    score = '1', created = string.format('%.0f', v.created), updated = NOW, author = c, ah = v.author or '',
    fp = vm.f or '', fps = vm.f or '', flags = vm.s or '', masked = vm.m or '', pname = vm.p or '',
    nvar = '0', split_from = id, nd = vm.k or '', bands = vm.b or ''}
  -- Its own question now: nothing of it to keep apart.
  redis.call('HDEL', key('own', c), nid)
  if not still then redis.call('HDEL', key('own', c), id) end
  local flat = {}
  for k, val in pairs(nq) do flat[#flat + 1] = k; flat[#flat + 1] = val end
  redis.call('HSET', key('q', nid), unpack(flat))
  redis.call('SADD', key('q', nid, 'voters'), c)
  redis.call('ZADD', key('rank', status), 1, nid)
  -- The wording now leads to the split question, not back to this one.
  if nq.fp ~= '' and redis.call('HGET', key('fp'), nq.fp) == id then
    redis.call('HSET', key('fp'), nq.fp, nid)
  end
  local added = add_key(nid, nq.nd, nq.bands) and {{nq.nd, nq.bands}} or {}
  redis.call('SADD', key('mine', c), nid)
  set_votes(q)
  touch(q)
  emit_upsert(q, featured, was)
  emit_upsert(nq, featured, '', c, nil, filed(added))
  result = nq
else
  return err('bad_request', 'unknown action')
end

if action ~= 'merge' and action ~= 'split' then
  touch(q)
  emit_upsert(q, featured, was)
end
-- Residents who asked by Telegram hear of it (once each, lib.lua tg_notify).
if action == 'approve' and was ~= 'approved' and q.status == 'approved' then tg_notify(q, 'approved')
elseif action == 'feature' then tg_notify(q, 'on_air')
elseif action == 'answer' then tg_notify(q, 'answered')
elseif action == 'reply' then tg_notify(q, 'written', q.fans)
elseif action == 'merge' then
  -- The followers of the source follow the question it lives in now.
  local from, to = key('tgf', id), key('tgf', into)
  if redis.call('EXISTS', from) == 1 then
    local all = redis.call('HGETALL', from)
    for i = 1, #all, 2 do redis.call('HSETNX', to, all[i], all[i + 1]) end
  end
end
local detail = {}
if action == 'edit' or action == 'reply' then detail.text = text end
if action == 'assign' then detail.department = q.fdept; detail.due = q.fdue end
if action == 'tag' then detail.topics = q.topics; detail.places = q.places end
if action == 'merge' then detail.into = tonumber(into) end
if action == 'split' then detail.new = tonumber(result.id) end
if was ~= q.status then detail.from = was; detail.to = q.status end
audit(A.actor, A.actor_name, action, id, next(detail) and cjson.encode(detail) or '{}')
-- seq: the room's seq after this change (see ask.lua).
local ack = '{"type":"ack","rid":' .. J(rid) .. ',"seq":' .. redis.call('HGET', key('meta'), 'seq') ..
  ',"q":' .. q_full(result, featured, 0, ACK_VARIANTS) .. '}'
remember(client, rid, ack)
return {'ok', ack, tonumber(result.id), m.title}
