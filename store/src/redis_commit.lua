-- pm:v1 commit of one source's update: compare-and-set on the source version, then every write
-- of the update, atomically (a script runs alone). Contract: schema/redis.md, "Commit script".
--
-- KEYS[1] state  KEYS[2] occurrences  KEYS[3] source incidents  KEYS[4] incidents
-- KEYS[5] open incidents  KEYS[6] sources by last seen  KEYS[7] sources by occurrences
-- KEYS[8] version  KEYS[9] source alert records
-- KEYS[7+3i] incident i  KEYS[8+3i] its timeline  KEYS[9+3i] its alert records  (i = 1..n)
-- ARGV[1] expected version  ARGV[2] state JSON (version = expected + 1)  ARGV[3] canonical key
-- ARGV[4] -last_seen  ARGV[5] -occurrences  ARGV[6] occurrence count m  ARGV[7] incident count n
-- then m occurrence ids, then per incident: id, JSON ('' = timeline only), opened_at score,
-- '1' if it opened or reopened, '0' if it resolved, '' if neither (its index entries stand),
-- event count e, e event JSONs, record count r, r pairs of fingerprint and record JSON;
-- then the KPI op count k and k ops (kpi_apply in redis_shared.lua).
-- Returns 1 when written, 0 when the stored version is not the expected one (nothing written).

-- The version has its own key so that checking it decodes nothing. A state written before the
-- key existed is decoded, once.
local version = tonumber(redis.call('GET', KEYS[8]) or '')
if not version then
  version = 0
  local raw = redis.call('GET', KEYS[1])
  if raw then
    local ok, doc = pcall(cjson.decode, raw)
    if not ok or type(doc) ~= 'table' or type(doc['version']) ~= 'number' then
      return redis.error_reply('PMX_CORRUPT state of ' .. ARGV[3])
    end
    version = doc['version']
  end
end
if version ~= tonumber(ARGV[1]) then
  return 0
end

-- Nothing above wrote: a conflict or a corrupt state leaves the source untouched. Below, only
-- WRONGTYPE (someone else's data under our prefix) could stop the script half-way.
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[8], version + 1)

-- unpack() is bounded by the Lua C stack (LUAI_MAXCSTACK 8000): send long lists in chunks
-- (of an even size, so field-value pairs stay together).
local function push_all(command, key, first, count)
  local chunk = 1000
  for from = first, first + count - 1, chunk do
    local to = math.min(from + chunk - 1, first + count - 1)
    redis.call(command, key, unpack(ARGV, from, to))
  end
end

local occurrences = tonumber(ARGV[6])
local incidents = tonumber(ARGV[7])
local a = 8
push_all('SADD', KEYS[2], a, occurrences)
a = a + occurrences

for i = 1, incidents do
  local id, doc, opened_at, open = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local events = tonumber(ARGV[a + 4])
  a = a + 5
  if doc ~= '' then
    redis.call('SET', KEYS[7 + 3 * i], doc)
  end
  -- The indices change only when the incident opens, resolves or reopens: most commits add an
  -- alert to an open incident and skip these three writes.
  if open == '1' then
    redis.call('ZADD', KEYS[3], opened_at, id)
    redis.call('ZADD', KEYS[4], opened_at, id)
    redis.call('ZADD', KEYS[5], opened_at, id)
  elseif open == '0' then
    redis.call('ZREM', KEYS[5], id)
  end
  push_all('RPUSH', KEYS[8 + 3 * i], a, events)
  a = a + events
  -- Only the records of the batch's fingerprints: the incident's other alerts stand.
  local records = 2 * tonumber(ARGV[a])
  a = a + 1
  push_all('HSET', KEYS[9 + 3 * i], a, records)
  push_all('HSET', KEYS[9], a, records)
  a = a + records
end

kpi_apply(a + 1, tonumber(ARGV[a]))

redis.call('ZADD', KEYS[6], ARGV[4], ARGV[3])
redis.call('ZADD', KEYS[7], ARGV[5], ARGV[3])
return 1
