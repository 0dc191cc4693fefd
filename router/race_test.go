//go:build race

package router_test

// raceEnabled: under -race sync.Pool drops some of what it is given, so
// allocation counts are not checked.
const raceEnabled = true
