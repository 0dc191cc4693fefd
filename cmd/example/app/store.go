package app

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"time"

	"github.com/keelgo/keel/cmd/example/password"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/security"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// DigestRealm is the realm of the HTTP Digest route. The stored HA1 values are
// computed with it, so changing it invalidates them.
const DigestRealm = "keel-example"

// Store is the example's SQLite database. Handlers never use it directly: they
// take a *sql.Tx from the Tx dependency, which commits or rolls back and always
// releases the connection when the request is done.
type Store struct {
	db       *sql.DB
	onTxDone func(committed bool)
}

// migrations build the schema, one step per version (SQLite's user_version):
// a database file written by an older example is brought up to date when it is
// opened, and a new one is created at the latest version. Append steps; never
// change one that has shipped.
var migrations = []func(ctx context.Context, tx execer, seed *seedHashes) error{
	// 1: users and their Digest credentials, seeded with the tutorial's users.
	// (IF NOT EXISTS: files from before versions were recorded have the tables.)
	func(ctx context.Context, tx execer, seed *seedHashes) error {
		if _, err := tx.ExecContext(ctx, `
CREATE TABLE IF NOT EXISTS users (
	username        TEXT PRIMARY KEY,
	email           TEXT,
	full_name       TEXT,
	disabled        INTEGER NOT NULL DEFAULT 0,
	hashed_password TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS digest_credentials (
	username  TEXT NOT NULL REFERENCES users(username),
	realm     TEXT NOT NULL,
	algorithm TEXT NOT NULL,
	ha1       TEXT NOT NULL,
	PRIMARY KEY (username, realm, algorithm)
);`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n > 0 {
			return err
		}
		for _, u := range seedUsers {
			h, err := seed.hash(u.password)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO users (username, email, full_name, disabled, hashed_password) VALUES (?, ?, ?, ?, ?)`,
				u.username, u.email, u.fullName, u.disabled, h); err != nil {
				return err
			}
			for _, dh := range digestHashes {
				if _, err := tx.ExecContext(ctx,
					`INSERT INTO digest_credentials (username, realm, algorithm, ha1) VALUES (?, ?, ?, ?)`,
					u.username, DigestRealm, dh.name, ha1(dh.new, u.username, DigestRealm, u.password)); err != nil {
					return err
				}
			}
		}
		return nil
	},
	// 2: the scopes each user may be granted; the tutorial's users get theirs
	// (when they still exist).
	func(ctx context.Context, tx execer, _ *seedHashes) error {
		if _, err := tx.ExecContext(ctx, `
CREATE TABLE user_scopes (
	username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
	scope    TEXT NOT NULL,
	PRIMARY KEY (username, scope)
);`); err != nil {
			return err
		}
		for _, u := range seedUsers {
			for _, sc := range u.scopes {
				if _, err := tx.ExecContext(ctx,
					`INSERT INTO user_scopes (username, scope) SELECT username, ? FROM users WHERE username = ?`,
					sc, u.username); err != nil {
					return err
				}
			}
		}
		return nil
	},
}

// seedUser is one user of FastAPI's security tutorial.
type seedUser struct {
	username, fullName, email, password string
	disabled                            bool
	scopes                              []string // the scopes the user may be granted
}

var seedUsers = []seedUser{
	{"johndoe", "John Doe", "johndoe@example.com", "secret", false, []string{"me", "items"}},
	{"alice", "Alice Chains", "alicechains@example.com", "secretalice", true, []string{"me"}},
}

// digestHashes are the hash functions HA1 is stored for, by RFC 7616 name.
var digestHashes = []struct {
	name string
	new  func() hash.Hash
}{{security.DigestSHA256, sha256.New}, {security.DigestMD5, md5.New}}

// DefaultMaxDBConns is the default size of the connection pool.
const DefaultMaxDBConns = 8

// openStore opens (creating if needed) the SQLite database at path, migrates
// it to the latest schema, and limits the pool to maxConns connections (each
// holds three files open: the database, its WAL and its shared memory).
func openStore(ctx context.Context, path string, maxConns int, params password.Params, onTxDone func(bool)) (*Store, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: db, onTxDone: onTxDone}
	if err := s.migrate(ctx, params); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return s, nil
}

// migrationBusyTimeout is how long a starting instance waits for another
// one's migration (which holds the write lock) before giving up.
const migrationBusyTimeout = 2 * time.Minute

// seedHashes hashes the seed users' passwords once, before the migration
// that inserts them takes the write lock: argon2id takes a while, and other
// instances starting on the same file wait for that lock.
type seedHashes struct {
	params password.Params
	hashes map[string]string
}

func (h *seedHashes) prepare() error {
	if h.hashes != nil {
		return nil
	}
	h.hashes = map[string]string{}
	for _, u := range seedUsers {
		v, err := password.Hash(u.password, h.params)
		if err != nil {
			return err
		}
		h.hashes[u.password] = v
	}
	return nil
}

func (h *seedHashes) hash(pw string) (string, error) {
	if err := h.prepare(); err != nil {
		return "", err
	}
	return h.hashes[pw], nil
}

// migrate runs the migrations the database has not seen, each in a
// transaction of its own with its version. BEGIN IMMEDIATE takes the write lock
// first, so that several instances starting on one file at the same moment
// migrate (and seed) it once: the others wait for the lock, then find the
// version up to date. The seed passwords are hashed before the lock is taken.
func (s *Store) migrate(ctx context.Context, params password.Params) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, migrationBusyTimeout.Milliseconds())); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA busy_timeout = 5000`)
	seed := &seedHashes{params: params}
	var version int
	if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version == 0 {
		if err := seed.prepare(); err != nil {
			return err
		}
	}
	for {
		if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
			return err
		}
		done, err := s.migrateOne(ctx, conn, seed)
		if err != nil {
			_, _ = conn.ExecContext(ctx, `ROLLBACK`)
			return err
		}
		if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// migrateOne runs the next migration in the transaction open on conn, and
// reports whether the schema was already up to date.
func (s *Store) migrateOne(ctx context.Context, conn *sql.Conn, seed *seedHashes) (bool, error) {
	var version int
	if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return false, err
	}
	if version > len(migrations) {
		return false, fmt.Errorf("schema version %d is newer than this program's (%d)", version, len(migrations))
	}
	if version == len(migrations) {
		return true, nil
	}
	if err := migrations[version](ctx, conn, seed); err != nil {
		return false, fmt.Errorf("migration %d: %w", version+1, err)
	}
	_, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, version+1))
	return false, err
}

// execer is what a migration uses of the connection its transaction is open on.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ha1 is RFC 7616's H(username ":" realm ":" password), hex encoded.
func ha1(newHash func() hash.Hash, username, realm, password string) string {
	h := newHash()
	h.Write([]byte(username + ":" + realm + ":" + password))
	return hex.EncodeToString(h.Sum(nil))
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// beginTx is the provider of a request's transaction (docs/fastapi-compat.md §3.5: a dependency
// with teardown). Its cleanup commits when the request succeeded, rolls back
// when it failed, and either way gives the connection back to the pool. A failed
// commit becomes the request's error (a 500 that reveals nothing).
func beginTx(ctx context.Context, s *Store) (*sql.Tx, di.Cleanup, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	return tx, func(err error) error {
		if err != nil {
			_ = tx.Rollback()
			s.txDone(false)
			return err
		}
		if err := tx.Commit(); err != nil {
			s.txDone(false)
			return err
		}
		s.txDone(true)
		return nil
	}, nil
}

func (s *Store) txDone(committed bool) {
	if s.onTxDone != nil {
		s.onTxDone(committed)
	}
}

// User is a user as the API shows it (FastAPI tutorial's User model).
type User struct {
	Username string  `json:"username"`
	Email    *string `json:"email"`
	FullName *string `json:"full_name"`
	Disabled *bool   `json:"disabled"`
}

// userInDB is a User with what is never sent to clients: the password hash
// and the scopes the user may be granted.
type userInDB struct {
	User
	hashedPassword string
	scopes         []string
}

// disabled reports whether the user is disabled.
func (u *userInDB) disabled() bool { return u.Disabled != nil && *u.Disabled }

// getUser returns the user named username, with the scopes they hold, or nil
// when there is none.
func getUser(ctx context.Context, tx *sql.Tx, username string) (*userInDB, error) {
	var u userInDB
	var disabled bool
	err := tx.QueryRowContext(ctx,
		`SELECT username, email, full_name, disabled, hashed_password FROM users WHERE username = ?`, username).
		Scan(&u.Username, &u.Email, &u.FullName, &disabled, &u.hashedPassword)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u.Disabled = &disabled
	rows, err := tx.QueryContext(ctx, `SELECT scope FROM user_scopes WHERE username = ? ORDER BY scope`, username)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var sc string
		if err := rows.Scan(&sc); err != nil {
			return nil, err
		}
		u.scopes = append(u.scopes, sc)
	}
	return &u, rows.Err()
}

// digestLookup returns the stored HA1 of an active user for security.DigestAuth.
//
// It queries the pool directly: DigestAuth calls its Lookup outside the
// dependency graph, so it cannot receive the request's transaction. The single
// row read releases its connection as soon as it is scanned.
func (s *Store) digestLookup(ctx context.Context, username, realm, hashName string) (security.DigestSecret, bool, error) {
	var h string
	err := s.db.QueryRowContext(ctx,
		`SELECT d.ha1 FROM digest_credentials d JOIN users u ON u.username = d.username
		 WHERE d.username = ? AND d.realm = ? AND d.algorithm = ? AND u.disabled = 0`,
		username, realm, hashName).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return security.DigestSecret{}, false, nil
	}
	if err != nil {
		return security.DigestSecret{}, false, err
	}
	return security.DigestSecret{HA1: h}, true, nil
}

// ping reports whether the database answers a query.
func (s *Store) ping(ctx context.Context) error {
	var one int
	return s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}
