-- receipts: (on surak:{@receipts}) the deployment's index of receipt
-- codes, which room each was given in (DESK.md "Receipts"). `note` files a
-- code before the ask that carries it is sent (on the same connection, so
-- Redis has it first); `find` answers the room of a code. A code whose ask
-- failed stays filed and finds no receipt in its room: a 404 like any
-- unknown code.
--@ args op code room
--@ reply room
local rk = key('room')
if A.op == 'note' then
  redis.call('HSET', rk, A.code, A.room)
  return {'ok', A.room}
end
local room = redis.call('HGET', rk, A.code)
if not room then return err('no_receipt', 'no such receipt') end
return {'ok', room}
