-- pm:v2 definitions shared by every script: store/CMakeLists.txt puts this file in front of
-- redis_commit.lua, redis_rca_put.lua and redis_rca_delete.lua (a script cannot include
-- another). Contract: schema/redis.md.

-- Every key starts with the hash tag {pm} (redis_keys.h, kPrefix): one Redis Cluster slot.
local PREFIX = '{pm}:v2:'

-- Every key a script touches is one its caller declared in KEYS: Redis Cluster requires it,
-- and managed offerings (ElastiCache Serverless, MemoryDB) refuse scripts that do otherwise.
-- The scripts check the keys they derive (link_key, the KPI keys) before their first write, so
-- a caller's mistake is an error reply that changed nothing.
local DECLARED = {}
for _, key in ipairs(KEYS) do DECLARED[key] = true end

local function undeclared_reply(key)
  return redis.error_reply('PMX_UNDECLARED key ' .. key .. ' is not in KEYS')
end

-- The link set of an incident id `<16 hex digits>-<n>` (as redis_keys.h derives it), or nil.
local function link_key(id)
  if type(id) ~= 'string' then return nil end
  local source, n = string.match(id, '^([0-9a-f]+)%-([1-9][0-9]*)$')
  if not source or #source ~= 16 or #n > 20 then return nil end
  return PREFIX .. 'src:' .. source .. ':inc:' .. n .. ':rcas'
end

-- The KPI aggregates (schema/redis.md, "KPI aggregates"). Core decides every change as a list
-- of ops (core/include/pmx/core/kpi.h, KpiOp, which documents each); this carries them out.
-- MemoryStore's KpiLedger does the same in C++, and the conformance suite holds both to it.
local KPI = PREFIX .. 'kpi:'
local KPI_ITEMS = KPI .. 'items'                    -- hash "status|priority|type" -> count
local KPI_RESOLVED = KPI .. 'postmortem:resolved'   -- hash incident -> "<resolved_at> <due>"
local KPI_LINKS = KPI .. 'postmortem:links'         -- hash incident -> published RCAs naming it
local KPI_NEEDED = KPI .. 'postmortem:needed'       -- zset incident -> resolved_at
local KPI_COVERED = KPI .. 'postmortem:covered'     -- zset incident -> resolved_at
local KPI_AWAITING = KPI .. 'postmortem:awaiting'   -- zset incident -> post-mortem due
local KPI_POSTMORTEM = {KPI_RESOLVED, KPI_LINKS, KPI_NEEDED, KPI_COVERED, KPI_AWAITING}

-- The first key that `count` ops from ARGV[first] would touch and KEYS does not declare, or
-- nil (redis_kpi::add_touched_keys in C++ declares them).
local function kpi_undeclared(first, count)
  for i = 0, count - 1 do
    local kind = ARGV[first + 6 * i]
    local touched
    if kind == 'C' then
      touched = {KPI_ITEMS}
    elseif kind == 'A' or kind == 'R' then
      touched = {KPI .. ARGV[first + 6 * i + 1]}
    else
      touched = KPI_POSTMORTEM
    end
    for _, key in ipairs(touched) do
      if not DECLARED[key] then return key end
    end
  end
  return nil
end

local function kpi_resolved(incident, at, due)
  redis.call('HSET', KPI_RESOLVED, incident, at .. ' ' .. due)
  redis.call('ZADD', KPI_NEEDED, at, incident)
  if tonumber(redis.call('HGET', KPI_LINKS, incident) or '0') > 0 then
    redis.call('ZADD', KPI_COVERED, at, incident)
    redis.call('ZREM', KPI_AWAITING, incident)
  else
    redis.call('ZADD', KPI_AWAITING, due, incident)
    redis.call('ZREM', KPI_COVERED, incident)
  end
end

local function kpi_reopened(incident)
  redis.call('HDEL', KPI_RESOLVED, incident)
  redis.call('ZREM', KPI_NEEDED, incident)
  redis.call('ZREM', KPI_COVERED, incident)
  redis.call('ZREM', KPI_AWAITING, incident)
end

-- Returns the incident's resolved_at when this link gave it its first published RCA.
local function kpi_published_link(incident, delta)
  local links = redis.call('HINCRBY', KPI_LINKS, incident, delta)
  if links <= 0 then redis.call('HDEL', KPI_LINKS, incident) end
  local record = redis.call('HGET', KPI_RESOLVED, incident)
  if not record then return nil end  -- open, not needing one, or never seen
  local at, due = string.match(record, '^(%S+) (%S+)$')
  if delta > 0 and links == 1 then
    redis.call('ZREM', KPI_AWAITING, incident)
    redis.call('ZADD', KPI_COVERED, at, incident)
    return at
  elseif delta < 0 and links <= 0 then
    redis.call('ZREM', KPI_COVERED, incident)
    redis.call('ZADD', KPI_AWAITING, due, incident)
  end
  return nil
end

-- Carries out `count` ops of six ARGV each from ARGV[first]: kind, target, member, at, due,
-- delta (kinds: C count, A index add, R index remove, S resolved needing a post-mortem,
-- O reopened, L published link). Returns the resolved_at of newly covered incidents. The
-- caller checked kpi_undeclared first.
local function kpi_apply(first, count)
  local covered = {}
  for i = 0, count - 1 do
    local a = first + 6 * i
    local kind, target, member, at, due = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
    local delta = tonumber(ARGV[a + 5])
    if kind == 'C' then
      if redis.call('HINCRBY', KPI_ITEMS, target, delta) == 0 then
        redis.call('HDEL', KPI_ITEMS, target)
      end
    elseif kind == 'A' then
      redis.call('ZADD', KPI .. target, at, member)
    elseif kind == 'R' then
      redis.call('ZREM', KPI .. target, member)
    elseif kind == 'S' then
      kpi_resolved(target, at, due)
    elseif kind == 'O' then
      kpi_reopened(target)
    elseif kind == 'L' then
      local resolved_at = kpi_published_link(target, delta)
      if resolved_at then covered[#covered + 1] = resolved_at end
    end
  end
  return covered
end

-- unpack() is bounded by the Lua C stack (LUAI_MAXCSTACK 8000): send long lists in chunks
-- (of an even size, so field-value pairs stay together).
local function push_all(command, key, first, count)
  local chunk = 1000
  for from = first, first + count - 1, chunk do
    local to = math.min(from + chunk - 1, first + count - 1)
    redis.call(command, key, unpack(ARGV, from, to))
  end
end
