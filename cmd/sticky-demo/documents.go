package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stickyuploads/sticky"
)

const (
	maxTitle       = 200  // characters
	maxDescription = 5000 // characters
	flashCookie    = "sticky_demo_flash"
)

// document is one row of the documents table.
type document struct {
	ID          int64
	Title       string
	Description string
	FileName    string // the name to show and to download as (sticky.CleanName)
	Size        int64
	Type        string
	Created     time.Time
	key         string // the file's key in the permanent store
	userID      int64  // the owner
}

// handleDocuments lists the signed-in user's documents, newest first.
func (a *app) handleDocuments(w http.ResponseWriter, r *http.Request, u *user) {
	rows, err := a.db.QueryContext(r.Context(), `
		SELECT id, title, description, file_name, size, content_type, created_at
		FROM documents WHERE user_id = ? ORDER BY created_at DESC, id DESC`, u.ID)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	defer rows.Close()
	var docs []document
	for rows.Next() {
		var (
			d       document
			created int64
		)
		if err := rows.Scan(&d.ID, &d.Title, &d.Description, &d.FileName, &d.Size, &d.Type, &created); err != nil {
			a.serverError(w, r, err)
			return
		}
		d.Created = time.Unix(created, 0)
		docs = append(docs, d)
	}
	if err := rows.Err(); err != nil {
		a.serverError(w, r, err)
		return
	}
	var flash string
	if c, err := r.Cookie(flashCookie); err == nil {
		if c.Value == "saved" {
			flash = "Your document was saved."
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	a.renderFlash(w, r, http.StatusOK, "documents", "Your documents", u, flash, documentsPage{Docs: docs, Usage: a.quota.usageLine(r.Context(), u.ID)})
}

// documentsPage is the data of the list of documents.
type documentsPage struct {
	Docs  []document
	Usage string // what the user keeps against the quota
}

// newPage is the data of the new-document form.
type newPage struct {
	Title            string
	Description      string
	TitleError       string
	DescriptionError string
	Widget           template.HTML
	MaxSize          string
	Errors           []fieldError // the summary at the top, in field order
}

// fieldError is one line of the error summary, linking to its field.
type fieldError struct {
	ID      string // element id, without '#'
	Message string
}

func (a *app) newPage(title, description string) newPage {
	return newPage{Title: title, Description: description, MaxSize: sticky.SizeString(a.maxSize)}
}

// handleNewDocumentForm shows an empty new-document form.
func (a *app) handleNewDocumentForm(w http.ResponseWriter, r *http.Request, u *user) {
	p := a.newPage("", "")
	p.Widget = a.up.Widget(sticky.Widget{Name: "file", Required: true, Language: a.up.Language(r)})
	a.render(w, r, http.StatusOK, "new", "New document", u, p)
}

// handleNewDocument validates the posted form. On any error it shows the
// form again, with what was typed and the file still chosen; otherwise it
// stores the document and goes back to the list.
func (a *app) handleNewDocument(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	lang := a.up.Language(r) // sticky's messages and the widget follow the browser's language
	form, err := a.up.ReadForm(w, r)
	if err != nil {
		// The post as a whole could not be read (too large, malformed, ...).
		a.log.Info("new document: reading the form", "user", u.Name, "err", err)
		p := a.newPage("", "")
		p.Errors = []fieldError{{ID: "file", Message: err.Error()}} // in lang already
		p.Widget = a.up.Widget(sticky.Widget{Name: "file", Required: true, Language: lang})
		a.render(w, r, formStatus(err), "new", "New document", u, p)
		return
	}

	p := a.newPage(strings.TrimSpace(form.Value("title")), strings.TrimSpace(form.Value("description")))
	switch n := utf8.RuneCountInString(p.Title); {
	case n == 0:
		p.TitleError = "Enter a title."
	case n > maxTitle:
		p.TitleError = fmt.Sprintf("Keep the title to %d characters or fewer (it has %d).", maxTitle, n)
	}
	if n := utf8.RuneCountInString(p.Description); n > maxDescription {
		p.DescriptionError = fmt.Sprintf("Keep the description to %d characters or fewer (it has %d).", maxDescription, n)
	}
	f, ferr := form.File("file")
	var fileError string
	if ferr != nil {
		fileError = ferr.Error() // a sentence in lang
	}

	if p.TitleError != "" || p.DescriptionError != "" || fileError != "" {
		p.Errors = summary(p.TitleError, p.DescriptionError, fileError)
		p.Widget = a.up.Widget(sticky.Widget{Name: "file", Required: true, Kept: f, Error: fileError, Language: lang})
		a.render(w, r, http.StatusUnprocessableEntity, "new", "New document", u, p)
		return
	}

	if err := a.saveDocument(ctx, u, p.Title, p.Description, f); err != nil {
		a.log.Error("new document: saving", "user", u.Name, "err", err)
		msg := "The document could not be saved. Please try again."
		var kept *sticky.File
		var se *saveError
		if errors.As(err, &se) {
			// The file never reached the permanent store, so it may still
			// be kept; the uploader's own errors are sentences to show.
			kept = f
			if isStickyError(err) {
				msg = a.up.Message(err, lang)
			}
		}
		p.Errors = []fieldError{{ID: "file", Message: msg}}
		p.Widget = a.up.Widget(sticky.Widget{Name: "file", Required: true, Kept: kept, Error: msg, Language: lang})
		a.render(w, r, saveStatus(err), "new", "New document", u, p)
		return
	}
	a.log.Info("document saved", "user", u.Name, "name", f.Name, "size", f.Size, "type", f.Type)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "saved", Path: "/", MaxAge: 60, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// saveError is a failure to copy the file into the permanent store.
type saveError struct{ err error }

func (e *saveError) Error() string { return e.err.Error() }
func (e *saveError) Unwrap() error { return e.err }

// saveDocument saves the file to the permanent store under a new key, then
// records the document. The temporary upload goes once the file is saved;
// if the row cannot be written, the saved file is removed again, so no file
// is left without its row.
func (a *app) saveDocument(ctx context.Context, u *user, title, description string, f *sticky.File) error {
	name := sticky.CleanName(f.Name)
	typ := f.Type
	if typ == "" {
		typ = "application/octet-stream"
	}
	key, err := a.store.docs.Save(ctx, f, nil) // never the client's name
	if err != nil {
		return &saveError{err} // nothing under the key, and the file still kept
	}
	if _, err := a.db.ExecContext(ctx, `
		INSERT INTO documents (user_id, title, description, file_name, file_key, size, content_type, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, title, description, name, key, f.Size, typ, time.Now().Unix()); err != nil {
		if derr := a.store.docs.Delete(context.WithoutCancel(ctx), key); derr != nil {
			a.log.Error("removing the file of an unsaved document", "key", key, "err", derr)
		}
		return err
	}
	return nil
}

// isStickyError says whether err is one of the uploader's errors, whose
// text is written for people.
func isStickyError(err error) bool {
	for _, e := range []error{
		sticky.ErrGone, sticky.ErrExpired, sticky.ErrInvalidRef, sticky.ErrNotOwner,
		sticky.ErrStoreUnavailable, sticky.ErrStoreFull, sticky.ErrTooLarge, sticky.ErrType,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// summary lists the non-empty messages with the id of their field.
func summary(title, description, file string) []fieldError {
	var s []fieldError
	for _, e := range []fieldError{{"title", title}, {"description", description}, {"file", file}} {
		if e.Message != "" {
			s = append(s, e)
		}
	}
	return s
}

// formStatus is the status for a form post that could not be read.
func formStatus(err error) int {
	if s := sticky.Status(err); s >= 400 {
		return s
	}
	return http.StatusBadRequest
}

// saveStatus is the status for a failed save.
func saveStatus(err error) int {
	var se *saveError
	if errors.As(err, &se) {
		if s := sticky.Status(err); s >= 500 {
			return s
		}
	}
	return http.StatusInternalServerError
}

// handleDownload sends a document's file to its owner. Everyone else gets
// 404, the same as for a document that does not exist.
func (a *app) handleDownload(w http.ResponseWriter, r *http.Request, u *user) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	// Look the document up by id alone: whether this user may have it is
	// the private handler's question, asked on every request.
	var d document
	err = a.db.QueryRowContext(r.Context(), `
		SELECT user_id, file_name, file_key FROM documents WHERE id = ?`,
		id).Scan(&d.userID, &d.FileName, &d.key)
	if errors.Is(err, sql.ErrNoRows) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	a.files.Serve(w, r, d.key, &d)
}
