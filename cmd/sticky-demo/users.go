package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// user is a signed-in person.
type user struct {
	ID   int64
	Name string
}

// defaultUser is created on the first run when no -user flag is given.
var defaultUser = userSpec{Name: "demo", Password: "demo"}

// ensureUsers creates the users in specs, or resets their passwords when they
// exist. With no specs it creates demo/demo, but only when there are no users
// yet (the first run). It returns a line for the terminal per change.
func (a *app) ensureUsers(ctx context.Context, specs []userSpec) ([]string, error) {
	var report []string
	if len(specs) == 0 {
		var n int
		if err := a.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n > 0 {
			return nil, err // users exist: not the first run
		}
		created, err := a.setUserIf(ctx, defaultUser, true)
		if err != nil || !created {
			return nil, err
		}
		return []string{fmt.Sprintf("created user %q with password %q", defaultUser.Name, defaultUser.Password)}, nil
	}
	for _, s := range specs {
		created, err := a.setUser(ctx, s)
		if err != nil {
			return nil, err
		}
		if created {
			report = append(report, fmt.Sprintf("created user %q", s.Name))
		} else {
			report = append(report, fmt.Sprintf("updated the password of user %q", s.Name))
		}
	}
	return report, nil
}

// setUser creates the user or sets its password; created says which.
func (a *app) setUser(ctx context.Context, s userSpec) (created bool, err error) {
	return a.setUserIf(ctx, s, false)
}

// setUserIf is setUser, or with firstOnly, creates the user only when there
// are no users at all. It runs in one transaction (the database's write
// lock is taken at its start), so demos starting at once on a shared
// database neither both create the user nor fail on each other's insert.
func (a *app) setUserIf(ctx context.Context, s userSpec, firstOnly bool) (created bool, err error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(s.Password), bcryptCost)
	if err != nil {
		return false, fmt.Errorf("user %q: %w", s.Name, err)
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if firstOnly {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n > 0 {
			return false, err
		}
	} else {
		res, err := tx.ExecContext(ctx,
			`UPDATE users SET password_hash = ? WHERE name = ?`, string(hash), s.Name)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return false, tx.Commit()
		}
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)`,
		s.Name, string(hash), time.Now().Unix())
	if err != nil {
		return false, fmt.Errorf("creating user %q: %w", s.Name, err)
	}
	return true, tx.Commit()
}

// bcryptCost is the cost of new password hashes; tests lower it.
var bcryptCost = bcrypt.DefaultCost

// dummyHash is compared against when the user does not exist, so that a
// wrong name takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("not a real password"), bcryptCost)
	return h
})

var errBadLogin = errors.New("wrong user name or password")

var errBusy = errors.New("too many sign-ins at once")

// authenticate checks a name and password, comparing the hash when its
// turn comes among the sign-ins at once (see throttle.hash).
func (a *app) authenticate(ctx context.Context, name, password string) (*user, error) {
	var (
		u    user
		hash string
	)
	err := a.db.QueryRowContext(ctx,
		`SELECT id, name, password_hash FROM users WHERE name = ?`, name).Scan(&u.ID, &u.Name, &hash)
	found := err == nil
	if errors.Is(err, sql.ErrNoRows) {
		hash = string(dummyHash())
	} else if err != nil {
		return nil, err
	}
	var mismatch error
	if !a.throttle.hash(ctx, func() { mismatch = bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) }) {
		return nil, errBusy
	}
	if mismatch != nil || !found {
		return nil, errBadLogin
	}
	return &u, nil
}

type loginPage struct {
	Username string
	Error    string
}

// handleLoginForm shows the sign-in form, or sends signed-in users home.
func (a *app) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if u := a.currentUser(r); u != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	a.render(w, r, http.StatusOK, "login", "Sign in", nil, loginPage{})
}

// handleLogin checks the posted username and password and starts a session.
func (a *app) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseMultipartForm(64 << 10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		http.Error(w, "The sign-in form could not be read.", http.StatusBadRequest)
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	name := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	if name == "" || password == "" {
		a.render(w, r, http.StatusUnauthorized, "login", "Sign in", nil, loginPage{
			Username: name, Error: "Enter your user name and password.",
		})
		return
	}
	addr := clientAddr(r)
	if wait, who := a.throttle.wait(name, addr); wait > 0 {
		secs := retryAfter(w, wait)
		msg := "Too many failed sign-ins for this account. Please wait " + strconv.Itoa(secs) + " seconds and try again."
		if who == "address" {
			msg = "Too many failed sign-ins from your network. Please wait " + strconv.Itoa(secs) + " seconds and try again."
		}
		a.log.Warn("sign-in throttled", "user", name, "addr", addr, "by", who)
		a.render(w, r, http.StatusTooManyRequests, "login", "Sign in", nil, loginPage{Username: name, Error: msg})
		return
	}
	u, err := a.authenticate(r.Context(), name, password)
	if errors.Is(err, errBusy) {
		retryAfter(w, maxHashWait)
		a.render(w, r, http.StatusServiceUnavailable, "login", "Sign in", nil, loginPage{
			Username: name, Error: "Too many people are signing in right now. Please try again in a few seconds.",
		})
		return
	}
	if errors.Is(err, errBadLogin) {
		a.throttle.failed(name, addr)
		a.log.Info("sign-in failed", "user", name)
		a.render(w, r, http.StatusUnauthorized, "login", "Sign in", nil, loginPage{
			Username: name, Error: "That user name and password do not match. Check them and try again.",
		})
		return
	}
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	// A fresh token on every sign-in; any session the browser had ends.
	a.endSession(w, r)
	if err := a.startSession(w, r, u); err != nil {
		a.serverError(w, r, err)
		return
	}
	a.throttle.succeeded(name)
	a.log.Info("signed in", "user", u.Name)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// handleLogout ends the session.
func (a *app) handleLogout(w http.ResponseWriter, r *http.Request) {
	a.endSession(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
