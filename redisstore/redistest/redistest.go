// Package redistest runs a Redis server for tests: Debian's redis-server (or
// any redis-server or valkey-server on PATH), started on a free loopback port
// with a fresh directory, no persistence and the noeviction policy, and
// stopped by its PID when the test ends. Tests can stop and restart it to
// see how an application behaves while its store is down.
//
// Without a server binary the test is skipped, unless KEEL_REDIS_REQUIRED=1
// (scripts/test-all.sh sets it): then it fails.
package redistest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a running redis-server.
type Server struct {
	// Addr is 127.0.0.1:PORT; URL is redis://127.0.0.1:PORT/0.
	Addr, URL string

	bin, dir   string
	port       int
	persistent bool
	tls        bool
	// RootCAs holds the certificate of a TLS server (TLS), for the client's
	// tls.Config.
	RootCAs *x509.CertPool
	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	t       testing.TB
}

// Binary returns the path of the Redis server to test with:
// $KEEL_REDIS_SERVER, else redis-server, else valkey-server, on PATH.
func Binary() (string, error) {
	if b := os.Getenv("KEEL_REDIS_SERVER"); b != "" {
		return b, nil
	}
	for _, name := range []string{"redis-server", "valkey-server"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no redis-server or valkey-server on PATH (Debian: apt-get install redis-server)")
}

// Option configures a Server.
type Option func(*Server)

// Persistent makes the server log every change to its append-only file
// (appendfsync everysec, Redis's recommended setting), so that a server
// stopped and restarted keeps its keys, as a production Redis guarding
// replays and revocations must. (A crash, Kill, may lose the last second.)
func Persistent() Option { return func(s *Server) { s.persistent = true } }

// TLS makes the server accept TLS only, with a certificate of its own for
// 127.0.0.1 (Server.RootCAs); its URL is then rediss://.
func TLS() Option { return func(s *Server) { s.tls = true } }

// Start starts a server for t, or skips t when there is none to start (fails
// it when KEEL_REDIS_REQUIRED=1). The server is stopped when t ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("KEEL_REDIS_REQUIRED") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	s := &Server{bin: bin, dir: t.TempDir(), t: t}
	for _, o := range opts {
		o(s)
	}
	if s.tls {
		if err := s.makeCert(); err != nil {
			t.Fatalf("redistest: %v", err)
		}
	}
	var last error
	for range 5 { // the free port may be taken between finding and binding it
		s.port, err = freePort()
		if err != nil {
			t.Fatal(err)
		}
		if last = s.start(); last == nil {
			break
		}
	}
	if last != nil {
		t.Fatalf("redistest: %v", last)
	}
	s.Addr = "127.0.0.1:" + strconv.Itoa(s.port)
	s.URL = "redis://" + s.Addr + "/0"
	if s.tls {
		s.URL = "rediss://" + s.Addr + "/0"
	}
	t.Cleanup(s.Stop)
	return s
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the server on s.port and waits until it answers PING.
func (s *Server) start() error {
	args := []string{
		"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--dir", s.dir, "--save", "", "--appendonly", "no",
		"--maxmemory-policy", "noeviction", "--protected-mode", "yes",
		"--loglevel", "warning", "--logfile", filepath.Join(s.dir, "redis.log")}
	if s.persistent {
		args = append(args, "--appendonly", "yes", "--appendfsync", "everysec")
	}
	if s.tls {
		args[3] = "0" // --port 0: no plain TCP
		args = append(args, "--tls-port", strconv.Itoa(s.port),
			"--tls-cert-file", filepath.Join(s.dir, "cert.pem"), "--tls-key-file", filepath.Join(s.dir, "key.pem"),
			"--tls-ca-cert-file", filepath.Join(s.dir, "cert.pem"), "--tls-auth-clients", "no")
	}
	cmd := exec.Command(s.bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %v", s.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	o := &redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(s.port), MaxRetries: -1, DialTimeout: time.Second}
	if s.tls {
		o.TLSConfig = &tls.Config{RootCAs: s.RootCAs, ServerName: "127.0.0.1"}
	}
	c := redis.NewClient(o)
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			break
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("%s exited on port %d: %s", s.bin, s.port, log)
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("%s did not answer PING within 20s", s.bin)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	return nil
}

// Stop stops the server as an administrator would (SIGTERM, by its PID: it
// closes its connections and, when Persistent, flushes its append-only file)
// and waits for it to exit; after 10 s it is killed. Stopping a stopped
// server does nothing.
func (s *Server) Stop() { s.stop(syscall.SIGTERM) }

// Pause stops the server's process (SIGSTOP) without closing its
// connections: a server that hangs. Resume continues it.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(sig)
	}
}

// Kill stops the server as a crash would (SIGKILL, by its PID).
func (s *Server) Kill() { s.stop(syscall.SIGKILL) }

func (s *Server) stop(sig syscall.Signal) {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGCONT) // a paused server cannot stop
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// Restart starts the server again on the same port: empty, as a Redis
// without persistence is after a crash, or with its keys when Persistent.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// makeCert writes a self-signed certificate for 127.0.0.1 and its key.
func (s *Server) makeCert() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "redistest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	s.RootCAs = x509.NewCertPool()
	s.RootCAs.AddCert(cert)
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
}

// Log returns what the server logged (warnings and above).
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	return string(b)
}

// PID returns the server's process id, 0 when it is stopped.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}
