-- history: what staff and keys did to one question (its audit entries),
-- oldest first.
--@ args id
--@ reply entries
if question(A.id) == nil then return err('no_question', 'no such question') end
return {'ok', redis.call('LRANGE', key('q', A.id, 'hist'), 0, -1)}
