package di

import (
	"context"

	"github.com/keelgo/keel/internal/resolve"
)

// Background is the request's background tasks, FastAPI's BackgroundTasks:
// a handler or provider that takes a *Background adds functions to it, and the
// App runs them after the response has been sent, one after the other in the
// order added. A task that fails or panics is logged (with the App's logger)
// and the next one runs; the client, already answered, never sees it.
//
// The order relative to cleanups is FastAPI's (docs/fastapi-compat.md
// §3.10): function-scope cleanups run before the response is written, the
// tasks after it is sent, and request-scope cleanups after the last task,
// so a task may still use what a request-scope provider opened (a
// database session). Tasks run on the request's goroutine, holding its
// connection, as Starlette's do: keep them short, and hand long work to a
// queue. Their context carries the request's values but is not canceled when
// the client goes away; it is canceled when App.Shutdown's deadline passes.
// Every function of a request that takes a *Background gets the same one.
type Background resolve.Background

// Add appends task to the tasks run after the response.
func (b *Background) Add(task func(ctx context.Context) error) {
	(*resolve.Background)(b).Add(task)
}
