package sticky

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// The client script is written as small modules, one role each, in
// client/src. They share one scope: each declares its functions and
// variables at its top level, and they are joined in this order into the one
// script served, inside a single function. Order matters only for the
// variables set when the script loads; boot.js, which starts everything,
// comes last.
var scriptModules = []string{
	"defaults.js",     // StickyUploads.messages and .options
	"format.js",       // sizes, percentages, placeholders
	"reply.js",        // the server's replies and error sentences
	"dom.js",          // a field's parts, shown, hidden, told about (events)
	"announce.js",     // the live region
	"resume.js",       // unfinished tus uploads kept in localStorage
	"tus-protocol.js", // tus headers, retries
	"queue.js",        // uploads at once in the page
	"oneshot.js",      // the whole file in one request
	"tus.js",          // big files in chunks, retried and resumed
	"direct.js",       // straight to the bucket: one PUT, or parts
	"widget.js",       // binding wrappers, showing an item's phase
	"field.js",        // a single field's file
	"list.js",         // a field of several files
	"upload.js",       // an item's upload from start to finish
	"form.js",         // submissions held back, bytes not posted twice
	"input.js",        // choosing, buttons, drop, paste
	"boot.js",         // the global, the listeners, binding
}

const scriptBanner = `/*! sticky.js: background uploads for sticky file fields; big files resumable
 * (tus) or straight to a bucket, many files in lists. No dependencies. Docs: docs/client.md */
`

//go:embed client/src/*.js
var scriptSources embed.FS

//go:embed client/sticky.css
var style []byte

// script is the client script as served: the modules joined.
var script = joinScript(scriptSources, scriptModules)

// joinScript joins the modules in order into one strict-mode script of one
// function scope, without the lines that are only a comment (the budget is
// for code; the modules keep them for readers). Every module in src must be
// in order, and the reverse.
func joinScript(src fs.FS, order []string) []byte {
	files, err := fs.Glob(src, "client/src/*.js")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		if !slices.Contains(order, path.Base(f)) {
			panic("sticky: client module " + f + " is not in the script's order")
		}
	}
	var b bytes.Buffer
	b.WriteString(scriptBanner)
	b.WriteString("(function () {\n'use strict';\n\n")
	for _, name := range order {
		body, err := fs.ReadFile(src, "client/src/"+name)
		if err != nil {
			panic("sticky: client module " + name + " is missing")
		}
		for line := range strings.Lines(strings.TrimSpace(string(body)) + "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "//") {
				b.WriteString(line)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("})();\n")
	return b.Bytes()
}

// asset is a client file served under a content-hashed name.
type asset struct {
	name, typ string
	body      []byte
}

var assets = func() map[string]asset {
	m := map[string]asset{}
	for _, a := range []asset{{"sticky.js", "text/javascript; charset=utf-8", script}, {"sticky.css", "text/css; charset=utf-8", style}} {
		sum := sha256.Sum256(a.body)
		base, ext, _ := strings.Cut(a.name, ".")
		m[base+"."+hex.EncodeToString(sum[:6])+"."+ext] = a
	}
	return m
}()

func assetName(name string) string {
	for hashed, a := range assets {
		if a.name == name {
			return hashed
		}
	}
	panic("sticky: no asset " + name)
}
