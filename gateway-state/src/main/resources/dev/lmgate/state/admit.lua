-- Admits one request against its limits, all or nothing, on Redis's clock.
-- KEYS: the budgets' buckets, then the slots' sorted sets, then the request buckets.
-- ARGV: budgets, slots, requests (counts); lease ttl (ms); lease id;
--       then per budget: capacity, window (ms); per slot: max; per request: capacity, window (ms).
-- Returns {1} when admitted, else {0, kind (1 budget, 2 slot, 3 requests), index (1-based), wait (ms)}.
local nb, ns, nr = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local ttl, lease = tonumber(ARGV[4]), ARGV[5]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local a = 6

-- a token bucket's level now: full when new or expired, refilled continuously
local function level(key, cap, win)
  local v = redis.call('HMGET', key, 'l', 't')
  local l, u = tonumber(v[1]), tonumber(v[2])
  if not l then return cap end
  local e = now - u
  if e < 0 then e = 0 end
  l = l + e * cap / win
  if l > cap then l = cap end
  return l
end

local function wait(l, cap, win)
  return math.max(1, math.ceil((1 - l) * win / cap))
end

for i = 1, nb do
  local cap, win = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  local l = level(KEYS[i], cap, win)
  if l < 1 then return {0, 1, i, wait(l, cap, win)} end
end
for i = 1, ns do
  local k, max = KEYS[nb + i], tonumber(ARGV[a])
  a = a + 1
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now) -- leases of replicas that died, or ran out
  if redis.call('ZCARD', k) >= max then return {0, 2, i, 1000} end
end
local taken = {}
for i = 1, nr do
  local k, cap, win = KEYS[nb + ns + i], tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  local l = level(k, cap, win)
  if l < 1 then return {0, 3, i, wait(l, cap, win)} end
  taken[i] = {k, l - 1, cap, win}
end
for i = 1, ns do
  local k = KEYS[nb + i]
  redis.call('ZADD', k, now + ttl, lease)
  redis.call('PEXPIRE', k, ttl)
end
for i = 1, nr do
  local e = taken[i]
  redis.call('HSET', e[1], 'l', tostring(e[2]), 't', now)
  -- an idle bucket is forgotten once it would be full again
  redis.call('PEXPIRE', e[1], math.min(math.ceil((e[3] - e[2]) * e[4] / e[3]) + 1000, 315360000000))
end
return {1}
