-- candidates: the questions a new text may duplicate. Arguments:
-- fingerprint, LSH bands ("hex,hex,…"), mode ("ask" or "similar"),
-- client, and for "similar" its rate limits: look-ups allowed per window,
-- the window in ms, client IP, look-ups allowed per window per IP.
-- Read-only for asks (similar counts against its rate limit).
-- Returns {"ok", last_qid, "fp", {}} when the fingerprint is known (an
-- exact duplicate: no need to look further), else {"ok", last_qid, "",
-- {{id, status, {key…}}…}}: the live questions sharing a band, those
-- sharing the most bands first (then the newest), at most 24; for
-- "similar", only the public ones.
--@ args fp bands mode client limit window ip ip_limit
--@ reply last_qid exact candidates
local fp, bands, mode, client = A.fp, A.bands, A.mode, A.client
local m = meta()
if m == nil then return err('no_room', 'no such room') end
if mode == 'similar' then
  local wait = limited('similar', client, tonumber(A.limit), tonumber(A.window))
  if wait == 0 and A.ip ~= '' then
    wait = limited('similarip', A.ip, tonumber(A.ip_limit), tonumber(A.window))
  end
  if wait > 0 then return err('rate_limited', 'too many look-ups, wait a little', wait) end
elseif fp ~= '' and redis.call('HEXISTS', key('fp'), fp) == 1 then
  return {'ok', m.qid, 'fp', {}}
end
local shared, ids = in_bands(bands)
-- A near-duplicate shares many bands; a chance collision, one.
return {'ok', m.qid, '', candidates_of(shared, ids, 24, function(status)
  return mode ~= 'similar' or VISIBLE[status]
end)}
