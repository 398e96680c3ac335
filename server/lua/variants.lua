-- variants: the question as a moderator sees it, with a page of its
-- variants (offset, at most limit); events and welcomes carry none.
--@ args id offset limit
--@ reply question
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local q = question(A.id)
if q == nil then return err('no_question', 'no such question') end
return {'ok', q_full(q, m.featured, tonumber(A.offset), tonumber(A.limit))}
