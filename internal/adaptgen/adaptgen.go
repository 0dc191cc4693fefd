// Package adaptgen is cmd/keeladapt's generator: it finds the functions a
// package passes to Keel where Keel takes any function, and writes, for each
// function type, the package adapt constructor that calls functions of that
// type without reflection.
package adaptgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// keelPath is the module whose functions take the functions adapted.
const keelPath = "github.com/keelgo/keel"

// adaptPath is the package of the adapters' constructors.
const adaptPath = keelPath + "/di/adapt"

// maxParams is the most parameters package adapt has constructors for.
const maxParams = 8

// OutPath returns where Generate's output for dir goes.
func OutPath(dir, out string) string {
	if filepath.IsAbs(out) {
		return out
	}
	return filepath.Join(dir, out)
}

type listed struct {
	ImportPath string
	Name       string
	Dir        string
	Export     string
	GoFiles    []string
	DepOnly    bool
	Error      *struct{ Err string }
}

// Generate returns the source of the adapters file (named out, in dir) for
// the package in dir, and notes on the functions left to reflection. The
// file's own content, when it exists, is not read: the output depends only
// on the package's other files.
func Generate(dir, out string) (src []byte, notes []string, err error) {
	cmd := exec.Command("go", "list", "-e", "-export", "-deps", "-json=ImportPath,Name,Dir,Export,GoFiles,DepOnly,Error", ".")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("go list: %v: %s", err, stderr.Bytes())
	}
	exports := map[string]string{}
	var self *listed
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("go list output: %v", err)
		}
		if p.DepOnly {
			exports[p.ImportPath] = p.Export
			continue
		}
		self = &p
	}
	if self == nil || len(self.GoFiles) == 0 {
		return nil, nil, fmt.Errorf("no Go package in %s", dir)
	}
	outBase := filepath.Base(OutPath(dir, out))
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range self.GoFiles {
		if name == outBase {
			continue // the previous output: regenerated from the rest
		}
		f, err := parser.ParseFile(fset, filepath.Join(self.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
	lookup := func(path string) (io.ReadCloser, error) {
		exp, ok := exports[path]
		if !ok || exp == "" {
			return nil, fmt.Errorf("no export data for %s (does it build?)", path)
		}
		return os.Open(exp)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", lookup), Error: func(error) {}} // keelAdapters is undefined until written
	pkg, _ := conf.Check(self.ImportPath, fset, files, info)
	g := &gen{pkg: pkg, imports: map[string]string{}, names: map[string]string{}}
	found := map[string]bool{}
	var entries []string
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !fromKeel(info, call.Fun) {
				return true
			}
			sig, ok := info.Types[call.Fun].Type.(*types.Signature)
			if !ok {
				return true
			}
			for i, arg := range call.Args {
				if !takesAny(sig, i, call.Ellipsis.IsValid()) {
					continue
				}
				fs, ok := info.Types[arg].Type.Underlying().(*types.Signature)
				if !ok || info.Types[arg].IsType() {
					continue
				}
				e, note := g.adapter(fs)
				if note != "" {
					notes = append(notes, fmt.Sprintf("%s: %s", fset.Position(arg.Pos()), note))
					continue
				}
				if !found[e] {
					found[e] = true
					entries = append(entries, e)
				}
			}
			return true
		})
	}
	slices.Sort(entries)
	return g.file(self.Name, entries), notes, nil
}

// fromKeel reports whether fun names a function or method of Keel's module.
func fromKeel(info *types.Info, fun ast.Expr) bool {
	var obj types.Object
	switch f := ast.Unparen(fun).(type) {
	case *ast.Ident:
		obj = info.Uses[f]
	case *ast.SelectorExpr:
		if sel, ok := info.Selections[f]; ok {
			obj = sel.Obj()
		} else {
			obj = info.Uses[f.Sel]
		}
	case *ast.IndexExpr:
		return fromKeel(info, f.X)
	case *ast.IndexListExpr:
		return fromKeel(info, f.X)
	}
	fn, ok := obj.(*types.Func)
	if !ok || fn.Pkg() == nil {
		return false
	}
	p := fn.Pkg().Path()
	return (p == keelPath || strings.HasPrefix(p, keelPath+"/")) && p != adaptPath
}

// takesAny reports whether the i-th argument of a call of sig goes to a
// parameter of type any.
func takesAny(sig *types.Signature, i int, ellipsis bool) bool {
	ps := sig.Params()
	var t types.Type
	switch {
	case sig.Variadic() && i >= ps.Len()-1:
		t = ps.At(ps.Len() - 1).Type()
		if !ellipsis {
			t = t.(*types.Slice).Elem()
		}
	case i < ps.Len():
		t = ps.At(i).Type()
	default:
		return false
	}
	it, ok := t.Underlying().(*types.Interface)
	return ok && it.Empty()
}

type gen struct {
	pkg     *types.Package
	imports map[string]string // path → name used
	names   map[string]string // name used → path
}

// adapter returns the constructor call for functions of type sig, or a note
// saying why there is none.
func (g *gen) adapter(sig *types.Signature) (string, string) {
	if sig.Variadic() {
		return "", "a variadic function is called by reflection"
	}
	if sig.TypeParams() != nil {
		return "", "a generic function is called by reflection"
	}
	n := sig.Params().Len()
	if n > maxParams {
		return "", fmt.Sprintf("a function of %d parameters (more than %d) is called by reflection", n, maxParams)
	}
	var targs []types.Type
	for i := range n {
		targs = append(targs, sig.Params().At(i).Type())
	}
	res := sig.Results()
	isErr := func(t types.Type) bool { return types.Identical(t, types.Universe.Lookup("error").Type()) }
	var shape string
	switch res.Len() {
	case 0:
		shape = "N"
	case 1:
		if isErr(res.At(0).Type()) {
			shape = "E"
		} else {
			shape = "V"
			targs = append(targs, res.At(0).Type())
		}
	case 2:
		if !isErr(res.At(1).Type()) {
			return "", "results Keel does not take: " + res.String()
		}
		shape = "VE"
		targs = append(targs, res.At(0).Type())
	case 3:
		if !isErr(res.At(2).Type()) {
			return "", "results Keel does not take: " + res.String()
		}
		c := res.At(1).Type()
		plain := types.NewSignatureType(nil, nil, nil, nil, nil, false)
		errT := types.Universe.Lookup("error").Type()
		cleanup := types.NewSignatureType(nil, nil, nil, types.NewTuple(types.NewParam(token.NoPos, nil, "", errT)), types.NewTuple(types.NewParam(token.NoPos, nil, "", errT)), false)
		switch {
		case types.Identical(c, plain):
			shape = "VFE"
			targs = append(targs, res.At(0).Type())
		case types.Identical(c.Underlying(), cleanup):
			shape = "VCE"
			targs = append(targs, res.At(0).Type(), c)
		default:
			return "", "results Keel does not take: " + res.String()
		}
	default:
		return "", "results Keel does not take: " + res.String()
	}
	var args []string
	for _, t := range targs {
		if why := g.nameable(t); why != "" {
			return "", fmt.Sprintf("%s is called by reflection: %s", types.TypeString(sig, nil), why)
		}
		args = append(args, types.TypeString(t, g.qualify))
	}
	e := fmt.Sprintf("adapt.%s%d", shape, n)
	if len(args) > 0 {
		e += "[" + strings.Join(args, ", ") + "]"
	}
	return e + "()", ""
}

// nameable returns why t cannot be written in the package's own files, or "".
func (g *gen) nameable(t types.Type) string {
	why := ""
	var walk func(t types.Type)
	seen := map[types.Type]bool{}
	walk = func(t types.Type) {
		if why != "" || seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Alias:
			walk(types.Unalias(t))
		case *types.Named:
			obj := t.Obj()
			if obj.Pkg() != nil {
				if obj.Parent() != obj.Pkg().Scope() {
					why = obj.Name() + " is declared inside a function"
					return
				}
				if obj.Pkg() != g.pkg {
					if !obj.Exported() {
						why = obj.Pkg().Path() + "." + obj.Name() + " is not exported"
						return
					}
					if !importable(g.pkg.Path(), obj.Pkg().Path()) {
						why = obj.Pkg().Path() + " is internal to another tree"
						return
					}
				}
			}
			if ta := t.TypeArgs(); ta != nil {
				for i := range ta.Len() {
					walk(ta.At(i))
				}
			}
		case *types.Pointer:
			walk(t.Elem())
		case *types.Slice:
			walk(t.Elem())
		case *types.Array:
			walk(t.Elem())
		case *types.Map:
			walk(t.Key())
			walk(t.Elem())
		case *types.Chan:
			walk(t.Elem())
		case *types.Signature:
			for i := range t.Params().Len() {
				walk(t.Params().At(i).Type())
			}
			for i := range t.Results().Len() {
				walk(t.Results().At(i).Type())
			}
		case *types.Struct:
			for i := range t.NumFields() {
				f := t.Field(i)
				if !f.Exported() && f.Pkg() != g.pkg {
					why = "a struct type with unexported fields of another package"
					return
				}
				walk(f.Type())
			}
		case *types.Interface:
			for i := range t.NumMethods() {
				m := t.Method(i)
				if !m.Exported() && m.Pkg() != g.pkg {
					why = "an interface with unexported methods of another package"
					return
				}
				walk(m.Type())
			}
		}
	}
	walk(t)
	return why
}

// importable reports whether package from may import path (Go's rule for
// internal directories).
func importable(from, path string) bool {
	i := strings.LastIndex(path, "/internal/")
	switch {
	case i >= 0:
	case strings.HasSuffix(path, "/internal"):
		i = len(path) - len("/internal")
	case strings.HasPrefix(path, "internal/") || path == "internal":
		return false // the standard library's
	default:
		return true
	}
	parent := path[:i]
	return from == parent || strings.HasPrefix(from, parent+"/")
}

// qualify names other packages by their name, an alias when two share one.
func (g *gen) qualify(p *types.Package) string {
	if p == g.pkg {
		return ""
	}
	if n, ok := g.imports[p.Path()]; ok {
		return n
	}
	n := p.Name()
	for i := 2; ; i++ {
		if _, taken := g.names[n]; !taken && n != "adapt" {
			break
		}
		n = fmt.Sprintf("%s%d", p.Name(), i)
	}
	g.imports[p.Path()] = n
	g.names[n] = p.Path()
	return n
}

func (g *gen) file(pkgName string, entries []string) []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated by keeladapt (go generate); DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\nimport (\n", pkgName)
	paths := []string{adaptPath}
	for p := range g.imports {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	// The standard library's packages first, then the others.
	slices.SortStableFunc(paths, func(a, b string) int {
		return cmpBool(strings.Contains(firstElem(a), "."), strings.Contains(firstElem(b), "."))
	})
	std := true
	for _, p := range paths {
		if std && strings.Contains(firstElem(p), ".") {
			if p != paths[0] {
				b.WriteString("\n")
			}
			std = false
		}
		if n, ok := g.imports[p]; ok && n != lastElem(p) {
			fmt.Fprintf(&b, "\t%s %q\n", n, p)
		} else {
			fmt.Fprintf(&b, "\t%q\n", p)
		}
	}
	b.WriteString(")\n\n")
	b.WriteString("// keelAdapters returns the adapters that call the functions this package\n")
	b.WriteString("// registers with Keel without reflection: give them to router.WithAdapters.\n")
	b.WriteString("func keelAdapters() []adapt.Adapter {\n\treturn []adapt.Adapter{\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "\t\t%s,\n", e)
	}
	b.WriteString("\t}\n}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		panic(fmt.Sprintf("keeladapt wrote invalid Go, please report it: %v\n%s", err, b.Bytes()))
	}
	return src
}

func lastElem(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func firstElem(p string) string {
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return p
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
