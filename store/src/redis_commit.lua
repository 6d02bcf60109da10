-- pm:v2 commit of the source updates of one batch: per source, a compare-and-set on its
-- version, then every write of its update; all sources in one call, atomically (a script runs
-- alone). Contract: schema/redis.md, "Commit script".
--
-- KEYS[1] incidents  KEYS[2] open incidents  KEYS[3] sources by last seen
-- KEYS[4] sources by occurrences; then per source: its state, version, occurrences, incidents
-- and alert records, then per incident of its update: the incident, its timeline, its alert
-- records; then the KPI keys the ops touch (checked, not read by position).
-- ARGV[1] source count s; then per source: expected version, state JSON (version = expected
-- + 1), canonical key, -last_seen, -occurrences, occurrence count m, incident count n, m
-- occurrence ids, then per incident: id, JSON ('' = timeline only), opened_at score, '1' if it
-- opened or reopened, '0' if it resolved, '' if neither (its index entries stand), event count
-- e, e event JSONs, record count r, r pairs of fingerprint and record JSON; then its KPI op
-- count k and k ops (kpi_apply in redis_shared.lua).
-- Returns one integer per source: 1 when written, 0 when its stored version is not the expected
-- one (nothing of that source written). An error reply (a corrupt state, an undeclared key)
-- means nothing at all was written.

-- First pass, reading only: where each source's arguments and keys are, whether its version
-- is the expected one, and that every KPI key is declared.
local sources = {}
-- A source may come twice (two webhooks' commits grouped): the second then sees the version
-- the first leaves, as it would in a call of its own.
local version_after = {}
local a, k = 2, 4
for s = 1, tonumber(ARGV[1]) do
  local source = {a = a, k = k}
  local version = version_after[KEYS[k + 2]] or tonumber(redis.call('GET', KEYS[k + 2]) or '')
  if not version then
    -- A state written before the version key existed is decoded, once.
    version = 0
    local raw = redis.call('GET', KEYS[k + 1])
    if raw then
      local ok, doc = pcall(cjson.decode, raw)
      if not ok or type(doc) ~= 'table' or type(doc['version']) ~= 'number' then
        return redis.error_reply('PMX_CORRUPT state of ' .. ARGV[a + 2])
      end
      version = doc['version']
    end
  end
  source.version = version
  source.matches = version == tonumber(ARGV[a])
  version_after[KEYS[k + 2]] = source.matches and version + 1 or version
  local occurrences, incidents = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  a = a + 7 + occurrences
  for _ = 1, incidents do
    a = a + 5 + tonumber(ARGV[a + 4])
    a = a + 1 + 2 * tonumber(ARGV[a])
  end
  source.ops = a
  local missing = kpi_undeclared(a + 1, tonumber(ARGV[a]))
  if missing then return undeclared_reply(missing) end
  a = a + 1 + 6 * tonumber(ARGV[a])
  k = k + 5 + 3 * incidents
  sources[s] = source
end

-- Second pass: the writes of every source whose version matched. Only WRONGTYPE (someone
-- else's data under our prefix) could stop it half-way.
local applied = {}
for s, source in ipairs(sources) do
  applied[s] = 0
  if source.matches then
    local a, k = source.a, source.k
    redis.call('SET', KEYS[k + 1], ARGV[a + 1])
    redis.call('SET', KEYS[k + 2], source.version + 1)
    local occurrences, incidents = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
    push_all('SADD', KEYS[k + 3], a + 7, occurrences)
    local canonical, last_seen, count = ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
    a = a + 7 + occurrences
    for i = 1, incidents do
      local id, doc, opened_at, open = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
      local events = tonumber(ARGV[a + 4])
      local incident = k + 3 + 3 * i
      a = a + 5
      if doc ~= '' then
        redis.call('SET', KEYS[incident], doc)
      end
      -- The indices change only when the incident opens, resolves or reopens: most commits add
      -- an alert to an open incident and skip these three writes.
      if open == '1' then
        redis.call('ZADD', KEYS[k + 4], opened_at, id)
        redis.call('ZADD', KEYS[1], opened_at, id)
        redis.call('ZADD', KEYS[2], opened_at, id)
      elseif open == '0' then
        redis.call('ZREM', KEYS[2], id)
      end
      push_all('RPUSH', KEYS[incident + 1], a, events)
      a = a + events
      -- Only the records of the batch's fingerprints: the incident's other alerts stand.
      local records = 2 * tonumber(ARGV[a])
      a = a + 1
      push_all('HSET', KEYS[incident + 2], a, records)
      push_all('HSET', KEYS[k + 5], a, records)
      a = a + records
    end
    kpi_apply(a + 1, tonumber(ARGV[a]))
    redis.call('ZADD', KEYS[3], last_seen, canonical)
    redis.call('ZADD', KEYS[4], count, canonical)
    applied[s] = 1
  end
end
return applied
