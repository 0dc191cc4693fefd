//lint:file-ignore SA5008 the types hold the odd tags encoding/json must be matched on
//lint:file-ignore U1000 unexported fields are part of the shapes under test

package jsonenc

import (
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"time"
)

// The types the differential tests encode: every rule of the package
// documentation has at least one.

type Plain struct {
	B   bool
	I   int
	I8  int8
	I16 int16
	I32 int32
	I64 int64
	U   uint
	U8  uint8
	U16 uint16
	U32 uint32
	U64 uint64
	UP  uintptr
	F32 float32
	F64 float64
	S   string
}

type Tagged struct {
	A     int     `json:"a"`
	Skip  int     `json:"-"`
	Dash  int     `json:"-,"`
	Bad   int     `json:"b\"ad"`
	Punct string  `json:"!#$%&()*+-./:;<=>?@[]^_{|}~ "`
	Uni   string  `json:"ünï"`
	E     string  `json:",omitempty"`
	Z     string  `json:",omitzero"`
	EZ    *int    `json:",omitempty,omitzero"`
	F     float64 `json:",omitempty"`
	unexp int
}

type Quoted struct {
	B  bool     `json:",string"`
	I  int      `json:",string"`
	U  uint8    `json:",string"`
	F  float64  `json:",string"`
	F3 float32  `json:",string"`
	S  string   `json:",string"`
	PI *int     `json:",string"`
	PS *string  `json:",string"`
	PP **int    `json:",string"`
	N  Named    `json:",string"`
	Sl []int    `json:",string"`
	M  ValMarsh `json:",string"`
	Nm json.Number
	NQ json.Number `json:",string"`
	T  Text        `json:",string"`
}

type Named int

// ValMarsh has MarshalJSON on the value; PtrMarsh on the pointer.
type ValMarsh struct{ X string }

func (v ValMarsh) MarshalJSON() ([]byte, error) {
	if v.X == "err" {
		return nil, errors.New("ValMarsh failed")
	}
	if v.X == "bad" {
		return []byte(`{"x":`), nil
	}
	return []byte(" { \"val\" : " + strings.Repeat(" ", len(v.X)%3) + jsonString(v.X) + " , \"h\":\"<&>\u2028\" } "), nil
}

type PtrMarsh struct{ X int }

func (p *PtrMarsh) MarshalJSON() ([]byte, error) {
	if p == nil {
		return []byte(`"nil receiver"`), nil
	}
	return []byte(`[1, 2, "ptr"]`), nil
}

// Text has MarshalText on the value, PtrText on the pointer.
type Text struct{ S string }

func (t Text) MarshalText() ([]byte, error) {
	if t.S == "err" {
		return nil, errors.New("Text failed")
	}
	return []byte("text:" + t.S), nil
}

type PtrText int

func (p *PtrText) MarshalText() ([]byte, error) { return []byte("ptrtext"), nil }

// Zeroer has IsZero on the value, PtrZeroer on the pointer.
type Zeroer struct{ N int }

func (z Zeroer) IsZero() bool { return z.N%2 == 0 }

type PtrZeroer struct{ N int }

func (z *PtrZeroer) IsZero() bool { return z.N%3 == 0 }

type IfaceZeroer interface{ IsZero() bool }

type Marshalers struct {
	V   ValMarsh
	PV  *ValMarsh
	P   PtrMarsh
	PP  *PtrMarsh
	T   Text
	PT  *Text
	X   PtrText
	PX  *PtrText
	Raw json.RawMessage
	Tm  time.Time
	Ad  netip.Addr
	AP  netip.AddrPort
	Ifc json.Marshaler
	TIf interface{ MarshalText() ([]byte, error) }
	Arr [2]PtrMarsh
	Sl  []PtrMarsh
	MV  map[string]PtrMarsh
	MT  map[string]Text
}

type Omit struct {
	A  [0]int         `json:",omitempty"`
	A2 [2]int         `json:",omitempty"`
	M  map[string]int `json:",omitempty"`
	S  []int          `json:",omitempty"`
	P  *int           `json:",omitempty"`
	I  any            `json:",omitempty"`
	St struct{}       `json:",omitempty"`
	F  float32        `json:",omitempty"`
	B  bool           `json:",omitempty"`
	N  int16          `json:",omitempty"`
	U  uint           `json:",omitempty"`

	ZA  [2]int         `json:",omitzero"`
	ZM  map[string]int `json:",omitzero"`
	ZS  []int          `json:",omitzero"`
	ZSt Plain          `json:",omitzero"`
	ZF  float64        `json:",omitzero"`
	Z   Zeroer         `json:",omitzero"`
	ZP  *Zeroer        `json:",omitzero"`
	PZ  PtrZeroer      `json:",omitzero"`
	PZP *PtrZeroer     `json:",omitzero"`
	IZ  IfaceZeroer    `json:",omitzero"`
	T   time.Time      `json:",omitzero"`
}

type Inner struct {
	A, B int
	C    string `json:"c"`
}

type inner2 struct {
	B   string
	D   int
	Own string `json:"own"`
}

type Deeper struct {
	Inner
	E int
}

type Embedding struct {
	Inner   // A, B, c promoted
	*inner2 // B conflicts with Inner.B at the same depth: dropped; D, own
	Named   // a non-struct embedded type: a field named Named
	*Deeper `json:"deeper"`
	X       int `json:"A"` // the tagged top-level A wins
}

type Collections struct {
	S   []string
	B   []byte
	NB  []Named
	BT  []PtrText // bytes with a pointer TextMarshaler: not base64
	A   [3]int
	BA  [4]byte
	M   map[string]int
	MI  map[int]string
	MU  map[uint8]bool
	MN  map[Named]int
	MT  map[Text]int
	MP  map[*Text]int
	MS  map[string][]int
	MM  map[string]map[string]float64
	PS  *[]int
	SP  []*int
	SS  [][]string
	Any []any
}

type Ifaces struct {
	A  any
	B  any
	E  error
	S  interface{ String() string }
	AM map[string]any
}

type Tree struct {
	Name     string
	Children []*Tree
	Parent   *Tree `json:"-"`
	Meta     map[string]*Tree
}

type Unsupported struct {
	C  chan int `json:"-"`
	Ch chan int
}

type BadKey struct {
	M map[[2]int]string
}

type Complex struct {
	C complex128
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// stringer is a fmt.Stringer for Ifaces.S.
type stringer string

func (s stringer) String() string { return string(s) }
