//go:build !linux

package e2e

import "os/exec"

// setDeathSignal does nothing outside Linux: the test's cleanup kills the
// example, but a crashed test run may leave it behind.
func setDeathSignal(*exec.Cmd) {}
