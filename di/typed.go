package di

import (
	"github.com/keelgo/keel/internal/resolve"
)

// Func0 to Func4 are Provide for functions of zero to four parameters returning
// (T, error), called without reflection: the resolver passes arguments and stores
// the result through typed code, saving the two or three allocations and most of
// the time of a reflect.Value.Call. The semantics are Provide's. They also make
// handlers: app.Get("/items/{id}", di.Func2(readItem)).
//
// Plain functions given to Provide or to a route are called without
// reflection too when the App has an adapter for their type
// (router.WithAdapters, written by go generate: package adapt).
func Func0[T any](fn func() (T, error), deps ...Source) *Provider {
	return typed(fn, resolve.CallVE0(fn), deps)
}

// Func1 is Func0 for a function of one parameter.
func Func1[A, T any](fn func(A) (T, error), deps ...Source) *Provider {
	return typed(fn, resolve.CallVE1(fn), deps)
}

// Func2 is Func0 for a function of two parameters.
func Func2[A, B, T any](fn func(A, B) (T, error), deps ...Source) *Provider {
	return typed(fn, resolve.CallVE2(fn), deps)
}

// Func3 is Func0 for a function of three parameters.
func Func3[A, B, C, T any](fn func(A, B, C) (T, error), deps ...Source) *Provider {
	return typed(fn, resolve.CallVE3(fn), deps)
}

// Func4 is Func0 for a function of four parameters.
func Func4[A, B, C, D, T any](fn func(A, B, C, D) (T, error), deps ...Source) *Provider {
	return typed(fn, resolve.CallVE4(fn), deps)
}

func typed(fn any, call resolve.Call, deps []Source) *Provider {
	return (*Provider)(resolve.NewTyped(fn, call, declarations(deps, fn)))
}
