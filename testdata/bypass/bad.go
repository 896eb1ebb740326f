// Package bypass is a fixture of TestBypassCheckerCatches: each way of
// writing a sentence for a person into the code instead of the catalogue.
// It is parsed, never built.
package bypass

import (
	"fmt"
	"html/template"
	"net/http"
)

func mistakes(n int64, u *Uploader) []error {
	return []error{
		fail(ErrX, "Some sentence."),
		fail(ErrX, "upload.no_such_id"),
		fail(ErrX, "The limit is "+fmt.Sprint(n)+"."),
		failWith(ErrX, fmt.Sprintf("Only %d left.", n), nil),
		Refuse(http.StatusForbidden, "Members only."),
		fmt.Errorf("sticky: a log line for %d", n),
	}
}

func fine(u *Uploader) {
	u.log.Error("sticky: a log line", "err", nil)
	panic("panic text: the template is fixed")
	_ = fail(ErrX, "upload.empty")
}

var msg = "Something broke, try later."

var tmpl = template.Must(template.New("x").Parse(`<div>{{.Words.Remove}}</div>` +
	`<button>Delete</button><span>Drop files here</span>`))
