// Package junk is the large-body endpoint of issue 9 item 4, shared by the
// body benchmark (bench.BenchmarkBody) and the load test's server
// (cmd/bodyserver): POST /junk with a small validated object carrying a long
// list of small numbers, in Keel and in hand-written net/http handlers using
// encoding/json and validator.Struct.
package junk

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/go-playground/validator/v10"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
)

// Junk is the body: a small validated object carrying a long list of small
// numbers.
type Junk struct {
	Name  string   `json:"name" validate:"min=1,max=50"`
	Price float64  `json:"price" validate:"gt=0"`
	Tags  []string `json:"tags" validate:"max=10"`
	Junk  []int    `json:"junk"`
}

// Item is Junk without the list: POST /item reads the same bodies, whose
// list is then an unknown key, skipped.
type Item struct {
	Name  string   `json:"name" validate:"min=1,max=50"`
	Price float64  `json:"price" validate:"gt=0"`
	Tags  []string `json:"tags" validate:"max=10"`
}

// Summary is what POST /junk answers: no echo of the list, so that the
// benchmark measures reading the body.
type Summary struct {
	Name  string `json:"name"`
	Tags  int    `json:"tags"`
	Count int    `json:"count"`
	Sum   int    `json:"sum"`
}

// Summarize is the answer to j.
func Summarize(j *Junk) Summary {
	s := Summary{Name: j.Name, Tags: len(j.Tags), Count: len(j.Junk)}
	for _, x := range j.Junk {
		s.Sum += x
	}
	return s
}

// Body returns a Junk document of size bytes (at least 80): the numbers 0 to
// 99 in turn, then spaces to the exact size.
func Body(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 16)
	b.WriteString(`{"name":"widget","price":12.5,"tags":["red","green","blue"],"junk":[`)
	for i := 0; b.Len() < size-5; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i % 100))
	}
	b.WriteString("]}")
	for b.Len() < size {
		b.WriteByte(' ')
	}
	return b.Bytes()
}

// NetHTTP is the floor of the body benchmark: a hand-written handler decoding
// POST /junk with encoding/json's Decoder, as most Go handlers do, and
// validating with validator.Struct.
func NetHTTP() http.Handler {
	v := validator.New()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /junk", func(w http.ResponseWriter, r *http.Request) {
		var j Junk
		if err := json.NewDecoder(r.Body).Decode(&j); err != nil {
			writeDetail(w, http.StatusBadRequest, "invalid JSON")
			return
		}
		if err := v.Struct(&j); err != nil {
			writeDetail(w, http.StatusUnprocessableEntity, "invalid body")
			return
		}
		writeJSON(w, http.StatusOK, Summarize(&j))
	})
	return mux
}

// Unmarshal is NetHTTP reading the whole body first (io.ReadAll, then
// json.Unmarshal): the other common way.
func Unmarshal() http.Handler {
	v := validator.New()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /junk", func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		var j Junk
		if err != nil || json.Unmarshal(data, &j) != nil {
			writeDetail(w, http.StatusBadRequest, "invalid JSON")
			return
		}
		if err := v.Struct(&j); err != nil {
			writeDetail(w, http.StatusUnprocessableEntity, "invalid body")
			return
		}
		writeJSON(w, http.StatusOK, Summarize(&j))
	})
	return mux
}

// Keel serves POST /junk, and POST /item, with Keel: the body is the
// handler's typed parameter, validated from the same tags, errors in
// FastAPI's format.
// maxBody is the body size limit (router.WithMaxBodySize; <= 0: Keel's
// default, 10 MiB).
func Keel(maxBody int64) http.Handler {
	var opts []router.Option
	if maxBody > 0 {
		opts = append(opts, router.WithMaxBodySize(maxBody))
	}
	app := router.New(router.Info{Title: "bench", Version: "1"}, opts...)
	app.Post("/junk", di.Func1(func(j Junk) (Summary, error) { return Summarize(&j), nil }))
	app.Post("/item", di.Func1(func(i Item) (Summary, error) { return Summary{Name: i.Name, Tags: len(i.Tags)}, nil }))
	return app
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeDetail(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, map[string]string{"detail": detail})
}
