-- variants: ARGV[4] = question id. The question as a moderator sees it,
-- with every variant (events and welcomes carry only the newest 20).
-- Returns {"ok", question_json}.
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local q = question(ARGV[4])
if q == nil then return err('no_question', 'no such question') end
return {'ok', q_full(q, m.featured, true)}
