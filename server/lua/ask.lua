-- ask: a viewer's question. Arguments: text and name (cleaned; name may be
-- empty), fingerprint, asks allowed per window (limit) and the window in
-- ms, near-duplicate key (nd) and LSH bands, the last question id the
-- look-up saw, the near-duplicate target id (or empty) and its similarity,
-- screening flags of the text and the name ("personal_data,profanity" or
-- empty), the text and the name as the public may read them (masked; empty
-- when nothing is masked), client IP (its address group) and asks allowed
-- per window per address group.
--
-- Merging into a question the public cannot see yet (pending) keeps each
-- resident's own words: the asker is answered, and later shown, its own
-- text and name with that question's status (own:CLIENT), never the other
-- resident's. A question that matches a rejected one is not merged into
-- it: it becomes a new pending question marked "like" that one, so that a
-- rejected copy does not bury a topic.
--
-- A question whose fingerprint is known is merged into the known one. A
-- question the hub found to be a near-duplicate of `target` is merged into
-- it. Otherwise it becomes a new question, unless a question created
-- after the hub's look-up shares one of its bands: then the answer is
-- {"retry", last_qid, candidates}, those questions as the candidates
-- script gives them, and the hub judges them and asks again, so two hubs
-- racing with two wordings of one question end with one question, as if
-- they had come one by one. `distinct` lists the fingerprints of asks
-- this hub had in flight that share a band with this one and that it
-- judged not the same: the questions they made (their first wording's
-- fingerprint) need no second look.
-- A new question may carry `suggest`, a question the hub found possibly
-- the same (not enough to merge): moderators see it as "possibly_same"
-- and merge or dismiss it. A Kazakh question's Russian (`tkey`, "=…") is
-- kept among its keys, for Russian questions to be suggested it. `past`
-- is what the deployment's memory found of it in an earlier broadcast
-- (JSON from the hub, shown to moderators as "asked_before").
-- A new question is tagged with the `topics` and `places` the hub found
-- in it and its `source` (web, telegram, phone). Every submission gets a
-- `receipt` code (made by the hub, which has filed it under this room in
-- the deployment's index first): rc maps it to the question and the
-- asker's own words, for /api/receipts/CODE, and the ack carries it. The
-- asks of each minute are counted (apm) for the report. A question an
-- operator took by phone carries the `caller`'s number, for staff only
-- (cphone; on a variant, its "phone").
-- Returns {"ok", ack, id, duplicate (0/1), seq (the room's after this
-- change; 0 for a replayed answer)}, or {"retry", last_qid, candidates}.
--@ args client rid text name fp limit window nd bands seen_qid target sim screen masked pname ip ip_limit suggest tkey past topics places source receipt caller distinct
--@ reply ack id dup seq
local client, rid, text, name, fp = A.client, A.rid, A.text, A.name, A.fp
local limit, window = tonumber(A.limit), tonumber(A.window)
local nd, bands, seen_qid, target, sim = A.nd, A.bands, A.seen_qid, A.target, A.sim
local screen, masked, pname = A.screen, A.masked, A.pname
local ip, ip_limit = A.ip, tonumber(A.ip_limit)

local prev = replay(client, rid)
if prev then return {'ok', prev, 0, 0, 0} end
local m, e = viewer_gate(client, 'ask')
if not m then return e end

local q
local id = redis.call('HGET', key('fp'), fp)
if id then
  q = live_question(id)
  sim = '1'
elseif target ~= '' then
  q = live_question(target)
end
local like
if q and q.status == 'rejected' then
  like, q = q.id, nil
elseif q == nil and seen_qid ~= '' and bands ~= '' and tonumber(m.qid) > tonumber(seen_qid) then
  -- (no question created since the look-up: nothing to check)
  local shared, ids = in_bands(bands, seen_qid)
  if #ids > 0 and A.distinct ~= '' then
    -- Questions made by asks the hub had in flight and judged not this one.
    local judged, kept = {}, {}
    for f in string.gmatch(A.distinct, '%S+') do judged[f] = true end
    for _, n in ipairs(ids) do
      if not judged[redis.call('HGET', key('q', n), 'fp')] then kept[#kept + 1] = n end
    end
    ids = kept
  end
  if #ids > 0 then
    return {'retry', tonumber(redis.call('HGET', key('meta'), 'qid')),
      candidates_of(shared, ids, 24, function() return true end)}
  end
end
local wait = limited('ask', client, limit, window)
if wait == 0 and ip ~= '' then wait = limited('askip', ip, ip_limit, window) end
if wait > 0 then return err('rate_limited', 'too many questions, wait a little', wait) end

local handle = author_handle(client)
local dup, own, seq
if q then
  id = q.id
  local was = q.status
  local qk = key('q', id)
  local vflags = screen ~= '' and (',"flags":' .. flags_json({flags = screen})) or ''
  redis.call('RPUSH', key('q', id, 'var'), '{"text":' .. J(text) .. ',"name":' .. J(name ~= '' and name) ..
    ',"created":' .. NOW .. ',"author":' .. J(handle) .. ',"similarity":' .. (tonumber(sim) or 1) .. vflags ..
    (A.caller ~= '' and (',"phone":' .. J(A.caller)) or '') .. '}')
  redis.call('RPUSH', key('q', id, 'varc'), variant_meta(client, fp, nd, bands, screen, masked, pname))
  if q.author ~= client then
    own = own_json(text, masked, name, pname, NOW)
    redis.call('HSETNX', key('own', client), id, own)
    own = redis.call('HGET', key('own', client), id)
  end
  q.nvar = tostring(redis.call('HINCRBY', qk, 'nvar', 1))
  q.dups = tostring(redis.call('HINCRBY', qk, 'dups', 1))
  redis.call('HSETNX', key('fp'), fp, id)
  local added = {}
  if add_key(id, nd, bands) then added[1] = {nd, bands} end
  redis.call('SADD', key('q', id, 'voters'), client)
  redis.call('SADD', key('mine', client), id)
  set_votes(q)
  touch(q)
  seq = emit_upsert(q, m.featured, was, client, own, filed(added))
  dup = 1
else
  id = tostring(redis.call('HINCRBY', key('meta'), 'qid', 1))
  local status = (m.moderation == '1' or like) and 'pending' or 'approved'
  q = {id = id, text = text, name = name, status = status, votes = '1', dups = '0',
    score = '1', created = NOW, updated = NOW, author = client, ah = handle, fp = fp,
    fps = fp, flags = screen, masked = masked, pname = pname, nvar = '0', nd = nd, bands = bands,
    like = like or '', ag = ip, sugg = A.suggest ~= '' and live_status(A.suggest) or '', past = A.past,
    topics = A.topics, places = A.places, source = A.source, cphone = A.caller}
  local flat = {}
  for k, v in pairs(q) do flat[#flat + 1] = k; flat[#flat + 1] = v end
  redis.call('HSET', key('q', id), unpack(flat))
  redis.call('SADD', key('q', id, 'voters'), client)
  redis.call('ZADD', key('rank', status), 1, id)
  redis.call('HSET', key('fp'), fp, id)
  local added = {}
  if add_key(id, nd, bands) then added[1] = {nd, bands} end
  redis.call('SADD', key('mine', client), id)
  if add_key(id, A.tkey, '') then added[#added + 1] = {A.tkey, ''} end
  seq = emit_upsert(q, m.featured, '', client, nil, filed(added))
  dup = 0
end
-- The receipt: this submission, its asker's own words as the public would read them.
redis.call('HSET', key('rc'), A.receipt, '{"q":' .. id .. ',"text":' ..
  J((masked ~= '' and masked) or text) .. ',"at":' .. NOW .. '}')
redis.call('HINCRBY', key('apm'), tostring(math.floor(tonumber(NOW) / 60000) * 60000), 1)
-- seq: the room's seq after this change, so that a client which has
-- already applied that event (or a later one) keeps what it has.
-- What the asker may read: the question if the public may, else its own words.
local view = (own and not VISIBLE[q.status]) and q_own(q, own, client) or q_mine(q, m.featured, client)
local ack = '{"type":"ack","rid":' .. J(rid) .. ',"id":' .. id .. ',"duplicate_of":' ..
  (dup == 1 and id or 'null') .. ',"status":' .. J(q.status) .. ',"receipt":' .. J(A.receipt) .. ',"seq":' ..
  seq .. ',"q":' .. view .. '}'
remember(client, rid, ack)
return {'ok', ack, tonumber(id), dup, tonumber(seq)}
