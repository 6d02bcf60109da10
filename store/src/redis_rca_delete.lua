-- pm:v2 deletion of one RCA: its record, its incident links, its part of the KPI aggregates and
-- a bump of the RCA revision, atomically, if the RCA is still at the version the caller read.
-- Contract: schema/redis.md, "RCA scripts".
--
-- KEYS[1] RCAs (hash id -> record)  KEYS[2] RCA revision; then, checked but not read by
-- position: the link sets of the incidents the stored document names (the caller read it, and
-- the compare-and-set proves it unchanged) and the KPI keys.
-- ARGV[1] RCA id  ARGV[2] expected version  ARGV[3] KPI op count k, then k ops (kpi_apply in
-- redis_shared.lua; link_key is there too).
-- Returns 1 when deleted, 0 when there was no such RCA, 2 when its version is not the expected
-- one (nothing written in either case).

local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' or type(record['document']) ~= 'table' or
    type(record['version']) ~= 'number' then
  -- Its links cannot be known: refuse rather than leave them dangling.
  return redis.error_reply('PMX_CORRUPT RCA ' .. ARGV[1])
end
if record['version'] ~= tonumber(ARGV[2]) then return 2 end
local listed = record['document']['incidents']
if type(listed) ~= 'table' then listed = {} end
for _, id in ipairs(listed) do
  local key = link_key(id)
  if key and not DECLARED[key] then return undeclared_reply(key) end
end
local missing = kpi_undeclared(4, tonumber(ARGV[3]))
if missing then return undeclared_reply(missing) end
for _, id in ipairs(listed) do
  local key = link_key(id)
  if key then redis.call('SREM', key, ARGV[1]) end
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
kpi_apply(4, tonumber(ARGV[3]))
return 1
