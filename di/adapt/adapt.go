// Package adapt lets Keel call the functions an application registers
// without reflection. Its constructors are what the code written by
// cmd/keeladapt (go generate) calls, one per function type the application
// registers with di.Provide or as a route's handler; router.WithAdapters
// gives them to an App, which uses one wherever a function of its type is
// registered and calls the others by reflection (app.Graph marks them).
//
// The constructors are named after the function's results and its number
// of parameters, which are the type parameters P1…P8 (T the value, K a
// cleanup type):
//
//	V2[P1, P2, T]()      func(P1, P2) T
//	VE2[P1, P2, T]()     func(P1, P2) (T, error)
//	VCE2[P1, P2, T, K]() func(P1, P2) (T, K, error), K a di.Cleanup
//	VFE2[P1, P2, T]()    func(P1, P2) (T, func(), error)
//	E2[P1, P2]()         func(P1, P2) error
//	N2[P1, P2]()         func(P1, P2)
//
// An adapter calls the function exactly as reflection would; only the cost
// differs. docs/performance.md measures it.
package adapt

import "github.com/keelgo/keel/internal/resolve"

// Adapter calls functions of one type without reflection. Make one with the
// constructors of this package; pass it to router.WithAdapters.
type Adapter resolve.Adapter
