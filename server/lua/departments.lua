-- departments: the departments questions are handed to (DESK.md), on the
-- staff prefix. op "list": every one; op "add": a new one (id, name: a
-- JSON object of names by language), refused if the id exists.
--@ args op id name
--@ reply departments
local dk = key('departments')
if A.op == 'add' then
  if redis.call('HEXISTS', dk, A.id) == 1 then return err('exists', 'a department with this id exists') end
  redis.call('HSET', dk, A.id, A.name)
end
local all, out = redis.call('HGETALL', dk), {}
for i = 1, #all, 2 do out[#out + 1] = '{"id":' .. J(all[i]) .. ',"name":' .. all[i + 1] .. '}' end
table.sort(out)
return {'ok', out}
