package app

import (
	"context"
	"net/http"
	"time"

	"github.com/keelgo/keel/di"
)

// Health is the answer of GET /healthz and GET /readyz.
type Health struct {
	Status string `json:"status"`
	// Checks are readyz's: "database" and "store", each "ok" or
	// "unavailable".
	Checks map[string]string `json:"checks,omitempty"`
}

// healthz is GET /healthz: the process is up and serving.
func healthz() (Health, error) { return Health{Status: "ok"}, nil }

// readyTimeout bounds each check of /readyz.
const readyTimeout = 2 * time.Second

// readyz is GET /readyz: 200 when the database and the shared store answer,
// else 503, so that a load balancer sends requests only to instances that can
// serve them. Requests that need neither keep being answered either way.
func readyz(db *Store, storeReady func(context.Context) error) func(ctx context.Context, resp *di.Response) (Health, error) {
	return func(ctx context.Context, resp *di.Response) (Health, error) {
		h := Health{Status: "ok", Checks: map[string]string{"database": "ok", "store": "ok"}}
		check := func(name string, f func(context.Context) error) {
			ctx, cancel := context.WithTimeout(ctx, readyTimeout)
			defer cancel()
			if err := f(ctx); err != nil {
				h.Status, h.Checks[name] = "unavailable", "unavailable"
			}
		}
		check("database", db.ping)
		if storeReady != nil {
			check("store", storeReady)
		}
		if h.Status != "ok" {
			resp.SetStatus(http.StatusServiceUnavailable)
			resp.Header().Set("Retry-After", "5")
		}
		return h, nil
	}
}
