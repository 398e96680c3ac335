-- lib.lua: shared by every Surak script (scripts/embed.sh does not join
-- them; store.c prepends this file to each script before SCRIPT LOAD).
--
-- Calling convention, for every script:
--   KEYS[1]  the room's key prefix, "surak:{ROOM}" (one hash slot per room)
--   ARGV[1]  the room's channel, "surak:ev:{ROOM}" (sharded Pub/Sub, in the
--            room's slot, so SPUBLISH stays on the room's node in a cluster)
--   ARGV[2]  now, wall-clock milliseconds, from the hub
--   ARGV[3]  how many events to keep in the room's history
--   ARGV[4…] the script's own arguments, declared in its header as
--            "--@ args NAME…" and read as A.NAME (store.c builds the table
--            A from that line, between this file and the script)
-- Every script returns {"ok", …} with the fields its header declares as
-- "--@ reply NAME…", or {"err", code, message, retry_after_ms}.
-- A script validates everything before its first write: Redis does not
-- roll back the writes of a script that fails half-way.

local P = KEYS[1]
local CHANNEL = ARGV[1]
local NOW = ARGV[2]
local HISTORY = tonumber(ARGV[3])
local RID_TTL = 86400          -- seconds a command's answer is kept for retries
local RID_MAX = 256            -- answers kept per client (the oldest go first)
local PUSH_CHUNK = 500         -- list items pushed per RPUSH (Lua's unpack has a limit)
local BUCKET_MAX = 64          -- question ids kept per LSH bucket (newest)
local KEYS_MAX = 8             -- near-duplicate keys kept per question
local BANDS = 12               -- LSH bands of a doc (DEDUPE_BANDS); a list of bands may hold several docs'
local ACK_VARIANTS = 50        -- variants a moderation ack carries (the variants command pages the rest)

-- P:a[:b[:c…]]. Written out for up to three parts (every key but none has
-- more): building a table for table.concat() doubled the cost of a call
-- made some seventy times an ask.
local function key(a, b, c, ...)
  if c == nil then
    if b == nil then return P .. ':' .. a end
    return P .. ':' .. a .. ':' .. b
  end
  if select('#', ...) == 0 then return P .. ':' .. a .. ':' .. b .. ':' .. c end
  return P .. ':' .. table.concat({a, b, c, ...}, ':')
end

local function J(v)
  if v == nil or v == false then return 'null' end
  return cjson.encode(v)
end

local function bool(v)
  return v and 'true' or 'false'
end

local function hgetall(k)
  local flat = redis.call('HGETALL', k)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

local function err(code, message, retry)
  return {'err', code, message, retry or 0}
end

local function meta()
  local m = hgetall(key('meta'))
  if m.id == nil then return nil end
  return m
end

local function room_json(m)
  local s = '{"id":' .. J(m.id) .. ',"title":' .. J(m.title) ..
    ',"open":' .. bool(m.open == '1') .. ',"moderation":' .. bool(m.moderation == '1')
  if m.archived == '1' then s = s .. ',"archived":true' end
  if m.opens_at and m.opens_at ~= '' and m.opens_at ~= '0' then s = s .. ',"opens_at":' .. m.opens_at end
  if m.recording and m.recording ~= '' then
    s = s .. ',"recording":{"url":' .. J(m.recording) .. ',"at":' .. ((m.recording_at and m.recording_at ~= '') and m.recording_at or 'null') .. '}'
  end
  return s .. '}'
end

-- What every viewer command checks first: the room exists and is open, and
-- the client is not banned. Returns the room (m, when read already), or
-- nil and the error.
local function viewer_gate(client, what, m)
  m = m or meta()
  if m == nil then return nil, err('no_room', 'no such room') end
  if m.open ~= '1' then return nil, err('room_closed', 'the room is closed') end
  if redis.call('SISMEMBER', key('banned'), client) == 1 then
    return nil, err('banned', 'you cannot ' .. what .. ' in this room')
  end
  return m
end

local function question(id)
  local q = hgetall(key('q', id))
  if q.id == nil then return nil end
  return q
end

local VISIBLE = {approved = true, answered = true}

-- What the public reads: personal data masked, in the text and the name.
local function public_text(q)
  if q.masked and q.masked ~= '' then return q.masked end
  return q.text
end

local function public_name(q)
  if q.pname and q.pname ~= '' then return q.pname end
  return q.name ~= '' and q.name
end

-- "a,b" as the JSON list ["a","b"].
local function list_json(s)
  local out = {}
  for x in string.gmatch(s or '', '[^,]+') do out[#out + 1] = J(x) end
  return '[' .. table.concat(out, ',') .. ']'
end

local function filled(v)
  return v ~= nil and v ~= ''
end

-- The follow-up after the broadcast (DESK.md): the department a question
-- is assigned to (fdept, its name fdname), the due day (fdue) and the
-- written answer (fans, JSON {"text","at","by"}).
local function followup_json(q)
  if not filled(q.fdept) then return 'null' end
  local answered = filled(q.fans)
  return '{"state":' .. J(answered and 'answered' or 'assigned') .. ',"department":' .. J(q.fdept) ..
    ',"due":' .. J(q.fdue) .. ',"answer":' .. (answered and q.fans or 'null') .. '}'
end

-- What every role sees of a question's follow-up, tags and source.
local function q_desk(q)
  return ',"answered_at":' .. (filled(q.aat) and q.aat or 'null') .. ',"followup":' .. followup_json(q) ..
    ',"topics":' .. list_json(q.topics) .. ',"places":' .. list_json(q.places) ..
    ',"source":' .. J(filled(q.source) and q.source or 'web')
end

-- The fields every role may see, without the closing brace (moderators
-- get the text and name as written).
local function q_public(q, featured, text, name)
  return '{"id":' .. q.id .. ',"text":' .. J(text or public_text(q)) .. ',"name":' .. J(name or public_name(q)) ..
    ',"status":' .. J(q.status) .. ',"featured":' .. bool(featured == q.id) ..
    ',"votes":' .. q.votes .. ',"dups":' .. q.dups .. ',"score":' .. q.score ..
    ',"created":' .. q.created .. ',"updated":' .. q.updated .. q_desk(q)
end

-- What a resident whose question was merged into another that the public
-- cannot see yet may read of it: their own words, never the other
-- resident's. Stored per client and question (own:CLIENT) as
-- {"text","name","created"}, the text and name as the public would read them.
local function own_json(text, masked, name, pname, created)
  return '{"text":' .. J((masked ~= '' and masked) or text) .. ',"name":' ..
    J((pname ~= '' and pname) or (name ~= '' and name)) .. ',"created":' .. created .. '}'
end

-- The asker's view of a question it shares but may not see: its own words and the status.
local function q_own(q, own, client)
  local o = cjson.decode(own)
  local voted = redis.call('SISMEMBER', key('voted', client), q.id) == 1
  return '{"id":' .. q.id .. ',"text":' .. J(o.text) .. ',"name":' .. J(o.name) ..
    ',"status":' .. J(q.status) .. ',"featured":false,"votes":1,"dups":0,"score":1,"created":' ..
    string.format('%.0f', o.created) .. ',"updated":' .. q.updated .. q_desk(q) ..
    ',"mine":true,"voted":' .. bool(voted) .. '}'
end

local function flags_json(q)
  if q.flags == nil or q.flags == '' then return '[]' end
  local parts = {}
  for f in string.gmatch(q.flags, '[^,]+') do parts[#parts + 1] = J(f) end
  return '[' .. table.concat(parts, ',') .. ']'
end

-- Variants from index `from` on, each tagged with its index "i".
-- Variants from..from+count-1 of question q (0-based), each with its index
-- "i", as the inside of a JSON array (no brackets), and how many there were.
local function variants_items(id, from, count)
  if count <= 0 then return '', 0 end
  local vs = redis.call('LRANGE', key('q', id, 'var'), from, from + count - 1)
  for i = 1, #vs do
    vs[i] = '{"i":' .. (from + i - 1) .. ',' .. string.sub(vs[i], 2)
  end
  return table.concat(vs, ','), #vs
end

-- The moderator's view: everything; variants only when asked for, and a
-- page of them (from, count: the variants command, moderation acks), so
-- that no reply walks a question asked thousands of times.
local function q_full(q, featured, vfrom, vcount)
  local n = tonumber(q.nvar or '0')
  local s = q_public(q, featured, q.text, q.name ~= '' and q.name) .. ',"author":' .. J(q.ah) ..
    ',"flags":' .. flags_json(q) .. ',"nvariants":' .. n
  if vfrom then s = s .. ',"variants":[' .. variants_items(q.id, vfrom, vcount) .. ']' end
  if q.masked and q.masked ~= '' then s = s .. ',"public_text":' .. J(q.masked) end
  if q.pname and q.pname ~= '' then s = s .. ',"public_name":' .. J(q.pname) end
  if q.like and q.like ~= '' then s = s .. ',"like":' .. q.like end
  if q.sugg and q.sugg ~= '' then s = s .. ',"possibly_same":' .. q.sugg end
  if q.past and q.past ~= '' then s = s .. ',"asked_before":' .. q.past end
  if q.into and q.into ~= '' then s = s .. ',"merged_into":' .. q.into end
  if q.split_from and q.split_from ~= '' then s = s .. ',"split_from":' .. q.split_from end
  if q.orig and q.orig ~= '' then s = s .. ',"original_text":' .. J(q.orig) end
  if q.cphone and q.cphone ~= '' then s = s .. ',"caller_phone":' .. J(q.cphone) end
  local held = redis.call('SCARD', key('q', q.id, 'held'))
  if held > 0 then s = s .. ',"held_votes":' .. held end
  return s .. '}'
end

-- The asker's view: public fields plus mine and voted.
local function q_mine(q, featured, client)
  local voted = redis.call('SISMEMBER', key('voted', client), q.id) == 1
  return q_public(q, featured) .. ',"mine":true,"voted":' .. bool(voted) .. '}'
end

-- Appends an event to the history and publishes it; returns its seq.
local function emit(body)
  local seq = redis.call('HINCRBY', key('meta'), 'seq', 1)
  local ev = '{"seq":' .. seq .. ',' .. body .. '}'
  local hk = key('ev')
  redis.call('RPUSH', hk, ev)
  redis.call('LTRIM', hk, -HISTORY, -1)
  redis.call('SPUBLISH', CHANNEL, ev)
  return seq
end

-- mine: the client that now asked q; own: what that client may read of it
-- (own_json()) when it shares a question it may not see; filed: the
-- near-duplicate keys this change filed q under (filed()). All for hubs only.
local function emit_upsert(q, featured, was, mine, own, ix)
  local body = '"op":"upsert","was":' .. J(was or '') .. ',"q":' .. q_full(q, featured)
  if mine then body = body .. ',"mine":' .. J(mine) end
  if own then body = body .. ',"own":' .. own end
  if ix then body = body .. ix end
  return emit(body)
end

local function emit_remove(q, was, into)
  local body = '"op":"remove","id":' .. q.id .. ',"was":' .. J(was)
  if into then body = body .. ',"into":' .. into end
  return emit(body)
end

local function emit_room(m)
  return emit('"op":"room","room":' .. room_json(m))
end

-- The answer a command got the first time, if this client sent this rid before.
local function replay(client, rid)
  return redis.call('HGET', key('c', client), 'rid:' .. rid)
end

-- The last RID_MAX answers of a client are kept, for RID_TTL after its
-- last command; older ones are dropped as new ones come.
local function remember(client, rid, ack)
  local k, order = key('c', client), key('cr', client)
  redis.call('HSET', k, 'rid:' .. rid, ack)
  if redis.call('LPUSH', order, rid) > RID_MAX then
    redis.call('HDEL', k, 'rid:' .. redis.call('RPOP', order))
  end
  redis.call('EXPIRE', k, RID_TTL)
  redis.call('EXPIRE', order, RID_TTL)
end

-- A staff account as staff may read it: never its password hash.
local function staff_json(u)
  return '{"login":' .. J(u.login) .. ',"name":' .. J(u.name) .. ',"roles":' .. list_json(u.roles) ..
    ',"departments":' .. list_json(u.departments) .. ',"disabled":' .. bool(u.disabled == '1') ..
    ',"created":' .. (u.created or '0') .. '}'
end

-- The audit trail (DESK.md "Audit"): every change staff or a key makes is
-- recorded by the script that makes it, in the room's list and, for a
-- question, in its own; entries are never changed or removed.
local function audit(actor, name, action, id, detail)
  local by = name ~= nil and name ~= '' and (',"by":' .. J(name)) or ''
  local e = '{"at":' .. NOW .. ',"actor":' .. J(actor) .. by .. ',"action":' .. J(action) ..
    ',"id":' .. (id and tostring(id) or 'null') .. ',"detail":' .. (detail or '{}') .. '}'
  redis.call('RPUSH', key('audit'), e)
  if id then redis.call('RPUSH', key('q', id, 'hist'), e) end
end

-- RPUSH of a list of any length, in chunks.
local function push_all(k, items)
  for i = 1, #items, PUSH_CHUNK do
    redis.call('RPUSH', k, unpack(items, i, math.min(i + PUSH_CHUNK - 1, #items)))
  end
end

-- Fixed-window counter; returns the milliseconds to wait, or 0 if allowed.
local function limited(name, client, limit, window_ms)
  local k = key('rl', name, client)
  local n = redis.call('INCR', k)
  if n == 1 then redis.call('PEXPIRE', k, window_ms) end
  if n > limit then
    local ttl = redis.call('PTTL', k)
    if ttl < 0 then
      redis.call('PEXPIRE', k, window_ms)
      ttl = window_ms
    end
    return ttl
  end
  return 0
end

local function set_status(q, status)
  if q.status ~= status then
    redis.call('ZREM', key('rank', q.status), q.id)
    q.status = status
  end
  redis.call('ZADD', key('rank', status), q.score, q.id)
  redis.call('HSET', key('q', q.id), 'status', status)
end

-- v1 rank: score = votes.
local function set_votes(q)
  local votes = redis.call('SCARD', key('q', q.id, 'voters'))
  q.votes = tostring(votes)
  q.score = tostring(votes)
  redis.call('HSET', key('q', q.id), 'votes', q.votes, 'score', q.score)
  if q.into == nil or q.into == '' then
    redis.call('ZADD', key('rank', q.status), q.score, q.id)
  end
end

local function touch(q)
  q.updated = NOW
  redis.call('HSET', key('q', q.id), 'updated', NOW)
end

-- ---- near-duplicate index ----
-- A question's LSH bands ("hex,hex,…", one per band, BANDS per doc; a list
-- may hold the bands of several docs of it: its words, its words without a
-- clause, its Russian) index it: band I with hash HEX is the sorted set
-- `lsh:I:HEX` of question ids (score = id), trimmed to the newest
-- BUCKET_MAX. Sorted sets let every read and the race check run inside
-- Redis' C code rather than in Lua.
local function bucket(i, hex)
  return key('lsh', (i - 1) % BANDS + 1, hex)
end

local function index_bands(id, bands)
  if bands == nil or bands == '' then return end
  local i = 0
  for b in string.gmatch(bands, '[^,]+') do
    i = i + 1
    local k = bucket(i, b)
    redis.call('ZADD', k, id, id)
    if redis.call('ZCARD', k) > BUCKET_MAX then
      redis.call('ZREMRANGEBYRANK', k, 0, -(BUCKET_MAX + 1))
    end
  end
end

-- The questions that share one of these bands (only those newer than
-- `after`, if given), with how many bands each shares: shared[id], and
-- ids in the order met.
local function in_bands(bands, after)
  local shared, ids = {}, {}
  local i = 0
  for b in string.gmatch(bands, '[^,]+') do
    i = i + 1
    local k = bucket(i, b)
    local found = after and redis.call('ZRANGEBYSCORE', k, '(' .. after, '+inf') or
      redis.call('ZRANGE', k, 0, -1)
    for _, id in ipairs(found) do
      local n = tonumber(id)
      if not shared[n] then
        shared[n] = 0
        ids[#ids + 1] = n
      end
      shared[n] = shared[n] + 1
    end
  end
  return shared, ids
end

-- Remembers another way a question was written (its near-duplicate key),
-- and indexes it, so later questions close to that wording find it too.
-- True if the key is new to the question.
local function add_key(id, nd, bands)
  if nd == nil or nd == '' then return false end
  local kk = key('q', id, 'nd')
  if redis.call('LLEN', kk) >= KEYS_MAX then return false end
  for _, k in ipairs(redis.call('LRANGE', kk, 0, -1)) do
    if k == nd then return false end
  end
  redis.call('RPUSH', kk, nd)
  index_bands(id, bands)
  return true
end

-- The keys a change filed a question under and the bands of the first, for
-- an upsert event (the hubs' copy of the index, lookup.c): ',"nd":[…],"bands":"…"',
-- or nil when it filed none. `added` lists {key, bands} that add_key() took.
local function filed(added)
  if #added == 0 then return nil end
  local keys = {}
  for i, a in ipairs(added) do keys[i] = J(a[1]) end
  return ',"nd":[' .. table.concat(keys, ',') .. '],"bands":' .. J(added[1][2] or '')
end

-- The id and status of the question a merged one now lives in (follows
-- merges), reading only those two fields.
local function live_status(id)
  for _ = 1, 16 do
    local f = redis.call('HMGET', key('q', id), 'status', 'into')
    if f[1] == false then return nil end
    if f[2] == false or f[2] == '' then return id, f[1] end
    id = f[2]
  end
  return nil
end

-- The live questions among `ids` (each sharing shared[id] bands with a
-- text), those sharing the most bands first, then the newest: at most
-- `max` of {qid, status, {key…}}, each live question once, those whose
-- status `keep` refuses left out. (Grouped by bands shared and each group
-- sorted by Lua's own order: a sort of a thousand ids with a Lua
-- comparator costs Redis about a millisecond.)
local function candidates_of(shared, ids, max, keep)
  local groups, most = {}, 0
  for _, n in ipairs(ids) do
    local c = shared[n]
    local g = groups[c]
    if not g then
      g = {}
      groups[c] = g
      if c > most then most = c end
    end
    g[#g + 1] = n
  end
  local out, live = {}, {}
  for c = most, 1, -1 do
    local g = groups[c]
    if g then
      table.sort(g)
      for k = #g, 1, -1 do
        if #out >= max then return out end
        local qid, status = live_status(tostring(g[k]))
        if qid and not live[qid] and keep(status) then
          live[qid] = true
          out[#out + 1] = {qid, status, redis.call('LRANGE', key('q', qid, 'nd'), 0, -1)}
        end
      end
    end
  end
  return out
end

-- The question a merged one now lives in.
local function live_question(id)
  local live = live_status(id)
  return live and question(live)
end

-- A variant's hidden half: who asked it, what it indexes, how it screened.
local function variant_meta(client, fp, nd, bands, screen, masked, pname)
  return cjson.encode({c = client, f = fp or '', k = nd or '', b = bands or '',
    s = screen or '', m = masked or '', p = pname or ''})
end

local function variant_client(s)
  if string.sub(s, 1, 1) == '{' then return cjson.decode(s).c end
  return s
end

-- Replaces the flags that screening sets, keeping the others.
local function set_screen_flags(q, screen)
  local keep = {}
  for f in string.gmatch(q.flags or '', '[^,]+') do
    if f ~= 'personal_data' and f ~= 'profanity' then keep[#keep + 1] = f end
  end
  for f in string.gmatch(screen or '', '[^,]+') do keep[#keep + 1] = f end
  q.flags = table.concat(keep, ',')
end

local function add_flag(q, flag)
  for f in string.gmatch(q.flags or '', '[^,]+') do
    if f == flag then return false end
  end
  q.flags = (q.flags and q.flags ~= '') and (q.flags .. ',' .. flag) or flag
  return true
end

local function author_handle(client)
  local h = redis.call('HGET', key('authors'), client)
  if h then return h end
  h = 'u' .. redis.call('HINCRBY', key('meta'), 'authors', 1)
  redis.call('HSET', key('authors'), client, h)
  redis.call('HSET', key('handles'), h, client)
  return h
end

-- Telegram (docs/INTAKE.md): the chats following question q (tgf:ID, chat
-- → language) are told of `event` once each: the outbox (tgout) gets one
-- item per chat and event, guarded by tgsent, whatever the number of hubs
-- or of times the script runs. `answer` is a written answer's JSON.
local function tg_notify(q, event, answer)
  local fk = key('tgf', q.id)
  if redis.call('EXISTS', fk) == 0 then return end
  local all = redis.call('HGETALL', fk)
  for i = 1, #all, 2 do
    if redis.call('SADD', key('tgsent'), all[i] .. ':' .. q.id .. ':' .. event) == 1 then
      redis.call('RPUSH', key('tgout'), '{"chat":' .. J(all[i]) .. ',"lang":' .. J(all[i + 1]) ..
        ',"q":' .. q.id .. ',"event":' .. J(event) .. ',"text":' .. J(public_text(q)) ..
        ',"answer":' .. (answer or 'null') .. '}')
    end
  end
end

-- ---- votes ----
-- A vote or unvote (dir) of client on the live question q (vote.lua; each
-- of a batch, votes.lua), its limits given as vote.lua's arguments are.
-- One vote per client per question; a client that asked the question (or a
-- duplicate of it) already counts. A vote is held (recorded, not counted in
-- votes or score; moderators see held_votes and release or discard them)
-- when its client is held (its address group had no new id to spare, a ban
-- holds the group, or it has not proved its work: hello.lua), or when it
-- comes in a burst of votes from fresh clients on one question, which also
-- flags the question "vote_burst". Returns nil and the error, or true and
-- whether the question's counts changed (the caller then sets its votes
-- and emits it).
local function vote_on(q, client, dir, ip, L)
  local wait = limited('vote', client, L.limit, L.window)
  if wait == 0 and ip ~= '' then wait = limited('voteip', ip, L.ip_limit, L.window) end
  if wait > 0 then return nil, err('rate_limited', 'too many votes, wait a little', wait) end

  local id = q.id
  local vk, voters, held = key('voted', client), key('q', id, 'voters'), key('q', id, 'held')
  local changed = false
  if dir == 'vote' then
    if redis.call('SADD', vk, id) == 1 then
      local c = redis.call('HMGET', key('cl', client), 'seen', 'nb')
      local seen = tonumber(c[1] or '0')
      local fresh = seen == 0 or tonumber(NOW) - seen < L.fresh_ms
      local bursting = c[2] == '1'
      if fresh and not bursting then
        local fk = key('q', id, 'fresh')
        local n = redis.call('INCR', fk)
        if n == 1 then redis.call('PEXPIRE', fk, 60000) end
        bursting = n > L.burst
      end
      if bursting then
        -- Held: moderators see the count grow (an event), the score does not.
        changed = redis.call('SADD', held, client) == 1
        if add_flag(q, 'vote_burst') then redis.call('HSET', key('q', id), 'flags', q.flags) end
      else
        changed = redis.call('SADD', voters, client) == 1
      end
    end
  else
    if redis.call('SREM', vk, id) == 1 and redis.call('SISMEMBER', key('mine', client), id) == 0 then
      changed = redis.call('SREM', voters, client) == 1
      redis.call('SREM', held, client)
    end
  end
  return true, changed
end

-- A live question votes may go to, or nil.
local function votable(id)
  local q = question(id)
  if q == nil or (q.into and q.into ~= '') or not VISIBLE[q.status] then return nil end
  return q
end

local function vote_ack(rid, q, dir)
  return '{"type":"ack","rid":' .. J(rid) .. ',"id":' .. q.id .. ',"votes":' .. q.votes ..
    ',"voted":' .. bool(dir == 'vote') .. '}'
end
