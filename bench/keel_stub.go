//go:build !keel

package bench

// keelImpls is empty until Keel's router builds (build with -tags keel).
func keelImpls() []Impl { return nil }
