//go:build unix

package main

import "syscall"

// openFileLimit returns the process's limit on open files (RLIMIT_NOFILE's
// soft limit, which the Go runtime raises to the hard limit at startup).
func openFileLimit() (uint64, bool) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, false
	}
	return uint64(l.Cur), true
}
