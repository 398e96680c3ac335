-- room: changes the room's settings; an empty value leaves that setting as
-- it is. `recording` is the link to the broadcast's recording ("-" removes
-- it) and `recording_at` when the recording starts (ms), so that a
-- question answered on air links to its moment.
--@ args client rid open title moderation actor archived opens_at actor_name recording recording_at
--@ reply ack
local client, rid, open, title, moderation = A.client, A.rid, A.open, A.title, A.moderation

local prev = replay(client, rid)
if prev then return {'ok', prev} end
local m = meta()
if m == nil then return err('no_room', 'no such room') end
local set = {}
if open ~= '' then set[#set + 1] = 'open'; set[#set + 1] = open; m.open = open end
if title ~= '' then set[#set + 1] = 'title'; set[#set + 1] = title; m.title = title end
if moderation ~= '' then set[#set + 1] = 'moderation'; set[#set + 1] = moderation; m.moderation = moderation end
if A.archived ~= '' then set[#set + 1] = 'archived'; set[#set + 1] = A.archived; m.archived = A.archived end
if A.opens_at ~= '' then set[#set + 1] = 'opens_at'; set[#set + 1] = A.opens_at; m.opens_at = A.opens_at end
if A.recording ~= '' then
  local url = A.recording == '-' and '' or A.recording
  set[#set + 1] = 'recording'; set[#set + 1] = url; m.recording = url
end
if A.recording_at ~= '' then set[#set + 1] = 'recording_at'; set[#set + 1] = A.recording_at; m.recording_at = A.recording_at end
if #set > 0 then
  redis.call('HSET', key('meta'), unpack(set))
  emit_room(m)
  local detail = {}
  for i = 1, #set, 2 do detail[set[i]] = set[i + 1] end
  audit(A.actor, A.actor_name, 'room', nil, cjson.encode(detail))
end
local ack = '{"type":"ack","rid":' .. J(rid) .. ',"room":' .. room_json(m) .. '}'
remember(client, rid, ack)
return {'ok', ack}
