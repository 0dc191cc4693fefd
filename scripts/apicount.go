//go:build ignore

// apicount prints the number of exported identifiers of each public package of
// the core module: top-level constants, variables, functions and types, methods
// of exported types, and exported fields of exported structs and methods of
// exported interfaces. internal/ packages and tests are not counted.
//
//	go run scripts/apicount.go
package main

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	dirs := map[string]bool{}
	filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "internal" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil && p != "." {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			dirs[filepath.Dir(p)] = true
		}
		return nil
	})
	var names []string
	for d := range dirs {
		names = append(names, d)
	}
	sort.Strings(names)
	fmt.Printf("%-10s %6s %6s %6s %6s\n", "package", "decls", "methods", "fields", "total")
	var sum [3]int
	for _, dir := range names {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
		if err != nil {
			panic(err)
		}
		for _, p := range pkgs {
			if p.Name == "main" {
				continue
			}
			var files []*ast.File
			for _, f := range p.Files {
				if !hasIgnore(f) {
					files = append(files, f)
				}
			}
			dp, err := doc.NewFromFiles(fset, files, "x")
			if err != nil {
				panic(err)
			}
			decls, methods, fields := 0, 0, 0
			values := func(vs []*doc.Value) {
				for _, v := range vs {
					for _, n := range v.Names {
						if ast.IsExported(n) {
							decls++
						}
					}
				}
			}
			values(dp.Consts)
			values(dp.Vars)
			decls += len(dp.Funcs)
			for _, t := range dp.Types {
				decls++
				values(t.Consts)
				values(t.Vars)
				decls += len(t.Funcs)
				methods += len(t.Methods)
				for _, s := range t.Decl.Specs {
					ts := s.(*ast.TypeSpec)
					switch st := ts.Type.(type) {
					case *ast.StructType:
						fields += exported(st.Fields)
					case *ast.InterfaceType:
						fields += exported(st.Methods)
					}
				}
			}
			name := dir
			if dir == "." {
				name = "keel"
			}
			fmt.Printf("%-10s %6d %6d %6d %6d\n", name, decls, methods, fields, decls+methods+fields)
			sum[0] += decls
			sum[1] += methods
			sum[2] += fields
		}
	}
	fmt.Printf("%-10s %6d %6d %6d %6d\n", "all", sum[0], sum[1], sum[2], sum[0]+sum[1]+sum[2])
}

func hasIgnore(f *ast.File) bool {
	for _, c := range f.Comments {
		for _, l := range c.List {
			if strings.HasPrefix(l.Text, "//go:build ignore") {
				return true
			}
		}
	}
	return false
}

func exported(fl *ast.FieldList) int {
	n := 0
	for _, f := range fl.List {
		if len(f.Names) == 0 { // embedded
			if id := embeddedName(f.Type); id != "" && ast.IsExported(id) {
				n++
			}
			continue
		}
		for _, id := range f.Names {
			if id.IsExported() {
				n++
			}
		}
	}
	return n
}

func embeddedName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		return embeddedName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.IndexExpr:
		return embeddedName(t.X)
	}
	return ""
}
