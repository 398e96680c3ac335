-- audit: a page of the room's audit trail (lib.lua's audit()), oldest
-- first: entries after the first `after`, at most `limit`, and how many
-- there are in all.
--@ args after limit
--@ reply entries total
if redis.call('EXISTS', key('meta')) == 0 then return err('no_room', 'no such room') end
local after, limit = tonumber(A.after), tonumber(A.limit)
return {'ok', redis.call('LRANGE', key('audit'), after, after + limit - 1), redis.call('LLEN', key('audit'))}
