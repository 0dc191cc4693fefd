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

const schema = `
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
);
`

// seedUser is one user of FastAPI's security tutorial.
type seedUser struct {
	username, fullName, email, password string
	disabled                            bool
}

var seedUsers = []seedUser{
	{"johndoe", "John Doe", "johndoe@example.com", "secret", false},
	{"alice", "Alice Chains", "alicechains@example.com", "secretalice", true},
}

// digestHashes are the hash functions HA1 is stored for, by RFC 7616 name.
var digestHashes = []struct {
	name string
	new  func() hash.Hash
}{{security.DigestSHA256, sha256.New}, {security.DigestMD5, md5.New}}

// openStore opens (creating if needed) the SQLite database at path, and seeds it
// when it has no users.
func openStore(ctx context.Context, path string, params password.Params, onTxDone func(bool)) (*Store, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, onTxDone: onTxDone}
	if err := s.init(ctx, params); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, params password.Params) error {
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, u := range seedUsers {
		h, err := password.Hash(u.password, params)
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
	return tx.Commit()
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

// userInDB is a User with its password hash, never sent to clients.
type userInDB struct {
	User
	hashedPassword string
}

// getUser returns the user named username, or nil when there is none.
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
	return &u, nil
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
