-- One request against a key's two budgets, the minute and the day, each a GCRA with a burst
-- of the whole budget (what limits/src/local.rs does in one process). Both windows are
-- checked before either is spent: a refused request spends nothing.
--
-- KEYS[1], KEYS[2]: the minute and the day state. ARGV[1], ARGV[2]: their limits.
-- A state is the theoretical arrival time (TAT) "q r", meaning q + r / limit microseconds
-- on the Redis server's clock: whole microseconds plus an exact remainder, because the
-- emission interval (window / limit) is rarely a whole number and doubles near 1.8e15 hold
-- only quarter microseconds, which would let rounding admit one request too many.
-- Returns {1, minute remaining, minute microseconds until full, day remaining, day
-- microseconds until full} or {0, 1 (minute) or 2 (day), microseconds until one fits}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local function check(key, limit, window)
  local q, r = now, 0
  local stored = redis.call('GET', key)
  if stored then
    local sq, sr = string.match(stored, '^(%d+) (%d+)$')
    if sq and tonumber(sq) >= now then
      q, r = tonumber(sq), tonumber(sr)
    end
  end
  -- TAT + window / limit, in the same exact form (every value below 2^53).
  local s = r + window
  local whole = math.floor(s / limit)
  local rest = s - whole * limit
  if rest < 0 then
    whole, rest = whole - 1, rest + limit
  elseif rest >= limit then
    whole, rest = whole + 1, rest - limit
  end
  local nq = q + whole
  local ahead = nq - now
  local allowed = ahead < window or (ahead == window and rest == 0)
  return allowed, nq, rest, ahead + rest / limit
end

local minute_limit, day_limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local m_ok, m_q, m_r, m_ahead = check(KEYS[1], minute_limit, 60000000)
if not m_ok then
  return {0, 1, math.ceil(m_ahead - 60000000)}
end
local d_ok, d_q, d_r, d_ahead = check(KEYS[2], day_limit, 86400000000)
if not d_ok then
  return {0, 2, math.ceil(d_ahead - 86400000000)}
end

-- Spent: each state lives until its window is whole again (an absent state is a full one).
local function store(key, q, r, ahead)
  redis.call('SET', key, string.format('%.0f %.0f', q, r), 'PX', math.ceil(ahead / 1000) + 1)
end
store(KEYS[1], m_q, m_r, m_ahead)
store(KEYS[2], d_q, d_r, d_ahead)

local function remaining(limit, window, ahead)
  return math.floor((window - ahead) * limit / window + 1e-6)
end
return {1, remaining(minute_limit, 60000000, m_ahead), math.ceil(m_ahead),
  remaining(day_limit, 86400000000, d_ahead), math.ceil(d_ahead)}
