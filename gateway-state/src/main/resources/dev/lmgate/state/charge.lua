-- Takes tokens a request used from a budget, unconditionally (it may go into debt), on Redis's clock.
-- KEYS[1]: the bucket. ARGV: amount, capacity, window (ms).
local amount, cap, win = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'l', 't')
local l, u = tonumber(v[1]), tonumber(v[2])
if not l then
  l = cap
else
  local e = now - u
  if e < 0 then e = 0 end
  l = math.min(cap, l + e * cap / win)
end
l = l - amount
redis.call('HSET', KEYS[1], 'l', tostring(l), 't', now)
-- forgotten once full again; at most ten years (a debt no window repays is not kept forever)
redis.call('PEXPIRE', KEYS[1], math.min(math.ceil((cap - l) * win / cap) + 1000, 315360000000))
return 1
