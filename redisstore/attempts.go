package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/keelgo/keel/security"
	"github.com/redis/go-redis/v9"
)

// attempt records an attempt under every key unless one is full. Each key is
// a sorted set of attempt ids scored by the time they were made (server ms),
// expiring a window after its newest attempt.
// KEYS: one per limit; ARGV[1]: window ms; ARGV[2]: the attempt's id;
// ARGV[2+i]: the limit of KEYS[i]. Returns 0 when recorded, else the wait in
// ms (> 0).
var attempt = redis.NewScript(serverNow + `
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local limit = tonumber(ARGV[2 + i])
  local n = redis.call('ZCARD', key)
  if n >= limit then
    local w = window
    if limit > 0 then
      local e = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
      w = tonumber(e[2]) + window - now
    end
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, window)
end
return 0
`)

// Attempt implements security.AttemptStore in one round trip: one script
// over the keys' sorted sets.
func (s *Store) Attempt(ctx context.Context, id string, window time.Duration, limits ...security.AttemptLimit) (time.Duration, error) {
	keys := make([]string, len(limits))
	args := make([]any, 2+len(limits))
	args[0] = strconv.FormatInt(max(window.Milliseconds(), 1), 10)
	args[1] = id
	for i, l := range limits {
		keys[i] = s.key("attempt:", l.Key)
		args[2+i] = strconv.Itoa(l.Limit)
	}
	var wait time.Duration
	err := s.call(ctx, func(ctx context.Context) error {
		ms, err := attempt.Run(ctx, s.c, keys, args...).Int64()
		wait = time.Duration(ms) * time.Millisecond
		return err
	})
	return wait, err
}

// Forget implements security.AttemptStore: ZREM on each key, in one round
// trip.
func (s *Store) Forget(ctx context.Context, id string, keys ...string) error {
	return s.call(ctx, func(ctx context.Context) error {
		_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.ZRem(ctx, s.key("attempt:", k), id)
			}
			return nil
		})
		return err
	})
}

// Reset implements security.AttemptStore: one DEL.
func (s *Store) Reset(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = s.key("attempt:", k)
	}
	return s.call(ctx, func(ctx context.Context) error { return s.c.Del(ctx, full...).Err() })
}
