package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// useNonce records a nonce count, as MemoryNonceStore does: per nonce, the
// highest count seen and a ring of NonceWindow (64) bits, bit nc % 64 for
// count nc, in two 32-bit words (Lua's bit library works on 32 bits).
// KEYS[1]: the nonce's key; ARGV[1]: nc; ARGV[2]: expiry, Unix ms.
// Returns 1 for a new count, 0 for a used, too old or expired one.
var useNonce = redis.NewScript(serverNow + `
local exp = tonumber(ARGV[2])
if exp <= now then return 0 end
local nc = tonumber(ARGV[1])
local slot = nc % 64
local w = math.floor(slot / 32) + 1
local b = bit.lshift(1, slot % 32)
local v = redis.call('HMGET', KEYS[1], 'max', 'w1', 'w2')
local max = tonumber(v[1])
local words = {tonumber(v[2]) or 0, tonumber(v[3]) or 0}
if max == nil then
  words = {0, 0}
  words[w] = b
  max = nc
elseif nc > max then
  if nc - max >= 64 then
    words = {0, 0}
  else
    for k = max + 1, nc - 1 do
      local s = k % 64
      local i = math.floor(s / 32) + 1
      words[i] = bit.band(words[i], bit.bnot(bit.lshift(1, s % 32)))
    end
  end
  words[w] = bit.bor(bit.band(words[w], bit.bnot(b)), b)
  max = nc
elseif max - nc >= 64 then
  return 0
else
  if bit.band(words[w], b) ~= 0 then return 0 end
  words[w] = bit.bor(words[w], b)
end
redis.call('HSET', KEYS[1], 'max', string.format('%d', max), 'w1', words[1], 'w2', words[2])
redis.call('PEXPIREAT', KEYS[1], exp)
return 1
`)

// UseNonce implements security.NonceStore in one round trip: one script
// over the nonce's key, a hash that expires with the nonce.
func (s *Store) UseNonce(ctx context.Context, nonce string, nc uint64, expires time.Time) (bool, error) {
	var ok bool
	err := s.call(ctx, func(ctx context.Context) error {
		n, err := useNonce.Run(ctx, s.c, []string{s.key("nonce:", nonce)}, strconv.FormatUint(nc, 10), unixMilli(expires)).Int()
		ok = n == 1
		return err
	})
	return ok, err
}
