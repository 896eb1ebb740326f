package sticky

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The sentences a person sees come from the catalogue: these tests fail
// when code says one of its own. Each checker is shown to catch the
// mistakes it is for, on a fixture.

// messageSinks are sticky's functions that take a message id, and where
// (methods by their name alone).
var messageSinks = map[string]int{"fail": 1, "failWith": 1, "refuse": 1, "RefuseWith": 1, "text": 1, "t": 0}

// notForPeople are literals that read like words but are never shown to
// a person using the app, with the reason.
var notForPeople = map[string]string{
	"the upload endpoint":                        "Check's error, for the developer",
	"the client script":                          "Check's error, for the developer",
	"the stylesheet":                             "Check's error, for the developer",
	"the resumable endpoint":                     "Check's error, for the developer",
	"a resumable upload":                         "Check's error, for the developer",
	"the direct-upload routes":                   "Check's error, for the developer",
	"unbalanced braces":                          "a key pattern's error, for the developer",
	"it needs {key}, so that keys never collide": "a key pattern's error, for the developer",
	"public, max-age=31536000, immutable":        "a header",
	"private, no-cache":                          "a header",
	"sandbox; default-src 'none'":                "a header",
	"path escapes from parent":                   "an error of os.Root, compared",
	"size limit exceeded":                        "clamd's reply, compared",
}

// developerCalls take text for developers and operators, not for people
// using the app: logs, panics, errors of configuration.
var developerCalls = regexp.MustCompile(`^(panic|errors\.New|fmt\.Errorf|fmt\.Sprintf|.*\.(Error|Warn|Info|Debug|Log)(Context)?)$`)

// forDevelopers are texts that name their package first, as errors and
// logs do: "sticky: ...", "clamav: ...".
var forDevelopers = regexp.MustCompile(`^[a-z]+: `)

// sentenceLike is a literal that reads as words for a person: two words
// or more, or one capitalised word with an end stop.
var sentenceLike = regexp.MustCompile(`^[^a-z{]*[A-Za-z][a-z]+[,:;]? [A-Za-z]+|^[A-Z][a-z]+[.!?…]$`)

// bypasses parses the Go files of dir (tests aside) and reports each text
// for a person that does not come from the catalogue: a literal given to
// a message sink that is not an id, a sentence made up by + or Sprintf
// for one, a sentence given to Refuse (which is the application's), any
// other literal that reads as a sentence outside developer calls and the
// catalogue, and words written into a template's markup.
func bypasses(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	names, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var found []string
	report := func(n ast.Node, what string) {
		found = append(found, fset.Position(n.Pos()).String()+": "+what)
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") || filepath.Base(name) == "catalogue.go" {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked := map[*ast.BasicLit]bool{}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				callee := calleeName(n.Fun)
				if developerCalls.MatchString(callee) {
					ast.Inspect(n, func(m ast.Node) bool {
						if lit, ok := m.(*ast.BasicLit); ok {
							checked[lit] = true
						}
						return true
					})
					return false
				}
				method := callee[strings.LastIndexByte(callee, '.')+1:]
				if i, ok := messageSinks[method]; ok && i < len(n.Args) {
					checkID(n.Args[i], checked, report)
				}
				if (callee == "Refuse" || callee == "sticky.Refuse") && len(n.Args) == 2 {
					if lit := stringLit(n.Args[1]); lit != nil || isBinary(n.Args[1]) {
						report(n.Args[1], "a sentence given to Refuse: use refuse(status, id)")
					}
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "message" && len(n.Elts) > 0 {
					el := n.Elts[0]
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						el = kv.Value
					}
					checkID(el, checked, report)
				}
			case *ast.ReturnStmt:
				if fn := enclosingFunc(file, n); fn == "tusSentence" {
					for _, r := range n.Results {
						checkID(r, checked, report)
					}
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING || checked[n] {
					return true
				}
				s, _ := strconv.Unquote(n.Value)
				if strings.Contains(s, "{{") || strings.HasPrefix(strings.TrimSpace(s), "<") {
					for _, words := range markupWords(s) {
						report(n, "words in markup: "+strconv.Quote(words))
					}
					return true
				}
				if sentenceLike.MatchString(s) && !forDevelopers.MatchString(s) && notForPeople[s] == "" {
					report(n, "a sentence outside the catalogue: "+strconv.Quote(s))
				}
			}
			return true
		})
	}
	slices.Sort(found)
	return found
}

// checkID reports e unless it is the id of a message (or a value that
// holds one, which is checked where it is written).
func checkID(e ast.Expr, checked map[*ast.BasicLit]bool, report func(ast.Node, string)) {
	if lit := stringLit(e); lit != nil {
		checked[lit] = true
		if id, _ := strconv.Unquote(lit.Value); catalogue[id] == [4]string{} {
			report(lit, "not a message id: "+lit.Value)
		}
		return
	}
	if isBinary(e) {
		report(e, "a sentence made up in code: add a message with placeholders")
	}
	if call, ok := e.(*ast.CallExpr); ok && strings.HasPrefix(calleeName(call.Fun), "fmt.") {
		report(e, "a sentence made up with fmt: add a message with placeholders")
	}
}

func stringLit(e ast.Expr) *ast.BasicLit {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return nil
	}
	return lit
}

func isBinary(e ast.Expr) bool {
	_, ok := e.(*ast.BinaryExpr)
	return ok
}

// calleeName is "f", "pkg.F" or "x.Method" ("*.Method" for a longer chain).
func calleeName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			return x.Name + "." + f.Sel.Name
		}
		return "*." + f.Sel.Name
	}
	return ""
}

// enclosingFunc names the function declaration of file around n.
func enclosingFunc(file *ast.File, n ast.Node) string {
	for _, d := range file.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Pos() <= n.Pos() && n.End() <= fn.End() {
			return fn.Name.Name
		}
	}
	return ""
}

// markupWords returns the words written into the text of a template's
// markup, between its tags, actions aside.
func markupWords(s string) []string {
	s = regexp.MustCompile(`(?s)\{\{.*?\}\}`).ReplaceAllString(s, " ")
	s = regexp.MustCompile(`(?s)<[^>]*>?|^[^<]*>`).ReplaceAllString(s, " ")
	return regexp.MustCompile(`[A-Za-z]{2,}(?:[ '][A-Za-z]+)*`).FindAllString(s, -1)
}

func TestNoSentenceBypassesCatalogue(t *testing.T) {
	for _, dir := range []string{".", "private", "clamav"} {
		for _, b := range bypasses(t, dir) {
			t.Errorf("%s", b)
		}
	}
}

// The checker catches each way of writing a sentence into the code.
func TestBypassCheckerCatches(t *testing.T) {
	found := strings.Join(bypasses(t, filepath.Join("testdata", "bypass")), "\n")
	for _, want := range []string{
		`not a message id: "Some sentence."`,
		`not a message id: "upload.no_such_id"`,
		"a sentence made up in code",
		"a sentence made up with fmt",
		"a sentence given to Refuse",
		`a sentence outside the catalogue: "Something broke, try later."`,
		`words in markup: "Delete"`,
		`words in markup: "Drop files here"`,
	} {
		if !strings.Contains(found, want) {
			t.Errorf("the checker missed %s; it found:\n%s", want, found)
		}
	}
	for _, fine := range []string{"upload.empty", "sticky: a log line", "panic text", "template: {{.Words.Remove}}"} {
		if strings.Contains(found, fine) {
			t.Errorf("the checker reports %q, which is fine:\n%s", fine, found)
		}
	}
}

// jsSentences reports the sentence-like string literals of a client
// module: every sentence the script shows is in defaults.js, which the
// catalogue mirrors (TestClientMessagesMatchCatalogue).
func jsSentences(src string) []string {
	var found []string
	for i, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "//") {
			continue
		}
		for _, m := range regexp.MustCompile(`'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"`).FindAllStringSubmatch(line, -1) {
			s := m[1] + m[2]
			if sentenceLike.MatchString(s) {
				found = append(found, strconv.Itoa(i+1)+": "+strconv.Quote(s))
			}
		}
	}
	return found
}

func TestClientSentencesInMessages(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("client", "src", "*.js"))
	if len(files) == 0 {
		t.Fatal("no client modules")
	}
	for _, f := range files {
		if filepath.Base(f) == "defaults.js" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range jsSentences(string(src)) {
			t.Errorf("%s:%s: a sentence outside defaults.js's messages", f, s)
		}
	}
	fixture := `say(wrapper, 'Upload failed.', 1);
  setText(el, "Checking the file");
  // a comment: 'Not a sentence to show.'
  var sel = '.sticky-item,' + WRAPPER, x = 'Tus-Resumable', t = 'text/plain';`
	got := jsSentences(fixture)
	if len(got) != 2 || !strings.Contains(got[0], "Upload failed.") || !strings.Contains(got[1], "Checking the file") {
		t.Errorf("jsSentences(fixture) = %q, want the two sentences", got)
	}
}
