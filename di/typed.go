package di

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/keelgo/keel/internal/resolve"
)

// Func0 to Func4 are Provide for functions of zero to four parameters returning
// (T, error), called without reflection: the resolver passes arguments and stores
// the result through typed code, saving the two or three allocations and most of
// the time of a reflect.Value.Call. The semantics are Provide's. They also make
// handlers: app.Get("/items/{id}", di.Func2(readItem)).
func Func0[T any](fn func() (T, error), deps ...Source) *Provider {
	return typed(fn, nil, func(in []reflect.Value, dst reflect.Value) error {
		v, err := fn()
		return put(dst, v, err)
	}, deps)
}

// Func1 is Func0 for a function of one parameter.
func Func1[A, T any](fn func(A) (T, error), deps ...Source) *Provider {
	ta := reflect.TypeFor[A]()
	return typed(fn, []reflect.Type{ta}, func(in []reflect.Value, dst reflect.Value) error {
		v, err := fn(arg[A](in[0], ta))
		return put(dst, v, err)
	}, deps)
}

// Func2 is Func0 for a function of two parameters.
func Func2[A, B, T any](fn func(A, B) (T, error), deps ...Source) *Provider {
	ta, tb := reflect.TypeFor[A](), reflect.TypeFor[B]()
	return typed(fn, []reflect.Type{ta, tb}, func(in []reflect.Value, dst reflect.Value) error {
		v, err := fn(arg[A](in[0], ta), arg[B](in[1], tb))
		return put(dst, v, err)
	}, deps)
}

// Func3 is Func0 for a function of three parameters.
func Func3[A, B, C, T any](fn func(A, B, C) (T, error), deps ...Source) *Provider {
	ta, tb, tc := reflect.TypeFor[A](), reflect.TypeFor[B](), reflect.TypeFor[C]()
	return typed(fn, []reflect.Type{ta, tb, tc}, func(in []reflect.Value, dst reflect.Value) error {
		v, err := fn(arg[A](in[0], ta), arg[B](in[1], tb), arg[C](in[2], tc))
		return put(dst, v, err)
	}, deps)
}

// Func4 is Func0 for a function of four parameters.
func Func4[A, B, C, D, T any](fn func(A, B, C, D) (T, error), deps ...Source) *Provider {
	ta, tb, tc, td := reflect.TypeFor[A](), reflect.TypeFor[B](), reflect.TypeFor[C](), reflect.TypeFor[D]()
	return typed(fn, []reflect.Type{ta, tb, tc, td}, func(in []reflect.Value, dst reflect.Value) error {
		v, err := fn(arg[A](in[0], ta), arg[B](in[1], tb), arg[C](in[2], tc), arg[D](in[3], td))
		return put(dst, v, err)
	}, deps)
}

func typed(fn any, in []reflect.Type, raw resolve.RawFunc, deps []Source) *Provider {
	return (*Provider)(resolve.NewTyped(fn, in, raw, declarations(deps, fn)))
}

// arg reads a value of type A (reflect type t) from a slot without allocating:
// through its address when it has one and is exactly of type A (pooled
// destinations), else through Interface, which for a non-addressable value points
// at the value's existing memory, and which converts a concrete value to an
// interface parameter type. A value of another type assignable to A (an
// override's result, checked at registration) is converted. Anything else is a
// bug in the resolver: arg panics rather than pass on a zero value.
func arg[A any](v reflect.Value, t reflect.Type) A {
	if v.CanAddr() && v.Type() == t {
		return *(*A)(unsafe.Pointer(v.UnsafeAddr()))
	}
	if a, ok := v.Interface().(A); ok {
		return a
	}
	return convertArg[A](v, t)
}

// convertArg is arg's slow path, for a value assignable to A but of another
// type (an unnamed type for a named one: []int for type IDs []int).
func convertArg[A any](v reflect.Value, t reflect.Type) A {
	if v.IsValid() && v.Type().AssignableTo(t) {
		var zero A
		if v.Kind() == reflect.Interface && v.IsNil() {
			return zero // a nil interface value: A is an interface type
		}
		if a, ok := v.Convert(t).Interface().(A); ok {
			return a
		}
	}
	got := "nothing"
	if v.IsValid() {
		got = v.Type().String()
	}
	panic(fmt.Sprintf("keel/di: a typed provider's parameter of type %s received %s; registration should have refused this, please report it", t, got))
}

// put writes a result into dst, unless err is set, and returns err.
func put[T any](dst reflect.Value, v T, err error) error {
	if err == nil {
		*(*T)(unsafe.Pointer(dst.UnsafeAddr())) = v
	}
	return err
}
