-- receipt: what a receipt code shows a resident (DESK.md "Receipts"): the
-- room, the asker's own words as the public would read them, and the
-- status, votes and follow-up of the question they live in now (merges
-- followed). Nothing of any other resident: not the question's text or
-- name when another resident's words lead it.
--@ args code
--@ reply receipt
local m = meta()
if m == nil then return err('no_receipt', 'no such receipt') end
local r = redis.call('HGET', key('rc'), A.code)
if not r then return err('no_receipt', 'no such receipt') end
local o = cjson.decode(r)
local q = live_question(tostring(o.q))
if q == nil then return err('no_receipt', 'no such receipt') end
local public = VISIBLE[q.status]
return {'ok', '{"room":{"id":' .. J(m.id) .. ',"title":' .. J(m.title) .. ',"open":' .. bool(m.open == '1') ..
  '},"text":' .. J(o.text) .. ',"asked_at":' .. string.format('%.0f', o.at) ..
  ',"status":' .. J(q.status) .. ',"votes":' .. q.votes ..
  ',"id":' .. (public and q.id or 'null') .. q_desk(q) .. '}'}
