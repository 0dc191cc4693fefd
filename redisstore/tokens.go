package redisstore

import (
	"context"
	"time"

	"github.com/keelgo/keel/security"
	"github.com/redis/go-redis/v9"
)

// revoke records a revocation, keeping the later time: the key holds its
// expiry (Unix ms) and expires then.
// KEYS[1]: the id's key; ARGV[1]: until, Unix ms.
var revoke = redis.NewScript(serverNow + `
local u = tonumber(ARGV[1])
if u <= now then return 0 end
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if u > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[1])
end
return 1
`)

// Revoke implements security.RevocationStore in one round trip (a script,
// so that a second revocation never shortens the first).
func (s *Store) Revoke(ctx context.Context, id string, until time.Time) error {
	return s.call(ctx, func(ctx context.Context) error {
		return revoke.Run(ctx, s.c, []string{s.key("revoked:", id)}, unixMilli(until)).Err()
	})
}

// IsRevoked implements security.RevocationStore: one EXISTS over the ids'
// keys (an expired key does not exist).
func (s *Store) IsRevoked(ctx context.Context, ids ...string) (bool, error) {
	if len(ids) == 0 {
		return false, nil
	}
	var keys [4]string
	k := keys[:0]
	for _, id := range ids {
		k = append(k, s.key("revoked:", id))
	}
	var n int64
	err := s.call(ctx, func(ctx context.Context) error {
		var err error
		n, err = s.c.Exists(ctx, k...).Result()
		return err
	})
	return n > 0, err
}

// A refresh token family is a hash {cur: the current token's jti, ended: 0
// or 1} that expires with the family.

// beginFamily: KEYS[1]: the family's key; ARGV[1]: jti; ARGV[2]: expires,
// Unix ms.
var beginFamily = redis.NewScript(serverNow + `
if tonumber(ARGV[2]) <= now then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('HSET', KEYS[1], 'cur', ARGV[1], 'ended', '0')
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`)

// rotateFamily: KEYS[1]: the family's key; ARGV[1]: jti; ARGV[2]: next;
// ARGV[3]: expires, Unix ms. Returns a security.RefreshResult.
var rotateFamily = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'cur', 'ended')
if not v[1] or v[2] == '1' then return 3 end
if v[1] ~= ARGV[1] then
  redis.call('HSET', KEYS[1], 'ended', '1')
  return 2
end
redis.call('HSET', KEYS[1], 'cur', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
`)

// endFamily: KEYS[1]: the family's key.
var endFamily = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'ended', '1')
end
return 0
`)

// Begin implements security.RefreshStore in one round trip.
func (s *Store) Begin(ctx context.Context, family, jti string, expires time.Time) error {
	return s.call(ctx, func(ctx context.Context) error {
		return beginFamily.Run(ctx, s.c, []string{s.key("refresh:", family)}, jti, unixMilli(expires)).Err()
	})
}

// Rotate implements security.RefreshStore: rotation and reuse detection in
// one script.
func (s *Store) Rotate(ctx context.Context, family, jti, next string, expires time.Time) (security.RefreshResult, error) {
	var r int
	err := s.call(ctx, func(ctx context.Context) error {
		var err error
		r, err = rotateFamily.Run(ctx, s.c, []string{s.key("refresh:", family)}, jti, next, unixMilli(expires)).Int()
		return err
	})
	if err != nil {
		return 0, err
	}
	return security.RefreshResult(r), nil
}

// End implements security.RefreshStore in one round trip.
func (s *Store) End(ctx context.Context, family string) error {
	return s.call(ctx, func(ctx context.Context) error {
		return endFamily.Run(ctx, s.c, []string{s.key("refresh:", family)}).Err()
	})
}

// The Store implements every store interface of package security.
var (
	_ security.NonceStore      = (*Store)(nil)
	_ security.AttemptStore    = (*Store)(nil)
	_ security.RevocationStore = (*Store)(nil)
	_ security.RefreshStore    = (*Store)(nil)
)
