-- pm:v1 deletion of one RCA: its record, its incident links, and a bump of the RCA revision,
-- atomically. Contract: schema/redis.md, "RCA scripts".
--
-- KEYS[1] RCAs (hash id -> record)  KEYS[2] RCA revision
-- ARGV[1] RCA id
-- Returns 1 when deleted, 0 when there was no such RCA (nothing written).

-- The link set of an incident id, as in redis_rca_put.lua (undeclared: see schema/redis.md).
local function link_key(id)
  if type(id) ~= 'string' then return nil end
  local source, n = string.match(id, '^([0-9a-f]+)%-([1-9][0-9]*)$')
  if not source or #source ~= 16 or #n > 20 then return nil end
  return 'pm:v1:src:{' .. source .. '}:inc:' .. n .. ':rcas'
end

local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' or type(record['document']) ~= 'table' then
  -- Its links cannot be known: refuse rather than leave them dangling.
  return redis.error_reply('PMX_CORRUPT RCA ' .. ARGV[1])
end
local listed = record['document']['incidents']
if type(listed) == 'table' then
  for _, id in ipairs(listed) do
    local key = link_key(id)
    if key then redis.call('SREM', key, ARGV[1]) end
  end
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
return 1
