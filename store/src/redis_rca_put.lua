-- pm:v2 write of one RCA: compare-and-set on the RCA's version, then its record, its incident
-- links, the RCA revision and the timeline entries, atomically. Contract: schema/redis.md,
-- "RCA scripts".
--
-- KEYS[1] RCAs (hash id -> record)  KEYS[2] RCA revision
-- KEYS[2+i] link set of the i-th incident the new document names       (i = 1..l)
-- then per incident j that gets timeline entries: its document, its timeline  (j = 1..t)
-- then, checked but not read by position: the link sets of the incidents the stored document
-- names (the caller read it, and the compare-and-set proves it unchanged) and the KPI keys.
-- ARGV[1] RCA id  ARGV[2] expected version  ARGV[3] record JSON (version = expected + 1)
-- ARGV[4] l  ARGV[5] t  then per incident j: event count e, e event JSONs; then the KPI op
-- count k and k ops (kpi_apply in redis_shared.lua).
-- Returns {2, version, ...} when created, {1, version, ...} when replaced, where ... are the
-- resolved_at of the incidents this write gave their first published RCA; {0, stored version}
-- when the stored version is not the expected one (nothing written). link_key: redis_shared.lua.

local raw = redis.call('HGET', KEYS[1], ARGV[1])
local version = 0
local old_incidents = {}
if raw then
  local ok, record = pcall(cjson.decode, raw)
  if not ok or type(record) ~= 'table' or type(record['version']) ~= 'number' or
      type(record['document']) ~= 'table' then
    return redis.error_reply('PMX_CORRUPT RCA ' .. ARGV[1])
  end
  version = record['version']
  local listed = record['document']['incidents']
  if type(listed) == 'table' then old_incidents = listed end
end
if version ~= tonumber(ARGV[2]) then
  return {0, version}
end

for _, id in ipairs(old_incidents) do
  local key = link_key(id)
  if key and not DECLARED[key] then return undeclared_reply(key) end
end
local a = 6
for _ = 1, tonumber(ARGV[5]) do a = a + 1 + tonumber(ARGV[a]) end
local missing = kpi_undeclared(a + 1, tonumber(ARGV[a]))
if missing then return undeclared_reply(missing) end

-- Nothing above wrote: a conflict, a corrupt record or an undeclared key leaves everything
-- untouched.
for _, id in ipairs(old_incidents) do
  local key = link_key(id)
  if key then redis.call('SREM', key, ARGV[1]) end
end
local links = tonumber(ARGV[4])
for i = 1, links do
  redis.call('SADD', KEYS[2 + i], ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('INCR', KEYS[2])

-- Timeline entries go only to incidents that exist: an RCA may name an incident this store
-- never saw (a typo, another installation), and an entry must not create a phantom one.
a = 6
local k = 2 + links
for j = 1, tonumber(ARGV[5]) do
  local events = tonumber(ARGV[a])
  a = a + 1
  if redis.call('EXISTS', KEYS[k + 1]) == 1 then
    push_all('RPUSH', KEYS[k + 2], a, events)
  end
  a = a + events
  k = k + 2
end

local answer = {raw and 1 or 2, version + 1}
for _, resolved_at in ipairs(kpi_apply(a + 1, tonumber(ARGV[a]))) do
  answer[#answer + 1] = resolved_at
end
return answer
