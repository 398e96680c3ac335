-- variants: the question as a moderator sees it, with every variant
-- (events and welcomes carry only the newest 20).
--@ args id
--@ reply question
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local q = question(A.id)
if q == nil then return err('no_question', 'no such question') end
return {'ok', q_full(q, m.featured, true)}
