package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"time"
)

const (
	sessionCookie = "sticky_demo_session"
	sessionTTL    = 7 * 24 * time.Hour
)

// Sessions are random 32-byte tokens. The browser holds the token in an
// HttpOnly cookie; the database holds only its SHA-256, so a leaked database
// does not leak sessions.

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// startSession creates a session for u and sets its cookie.
func (a *app) startSession(w http.ResponseWriter, r *http.Request, u *user) error {
	b := make([]byte, 32)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	expires := time.Now().Add(sessionTTL)
	ctx := r.Context()
	if _, err := a.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, time.Now().Unix()); err != nil {
		return err
	}
	if _, err := a.db.ExecContext(ctx,
		`INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)`,
		hashToken(token), u.ID, expires.Unix()); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		Expires:  expires,
		MaxAge:   int(sessionTTL / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// endSession deletes the request's session, if any, and clears its cookie.
func (a *app) endSession(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return
	}
	if _, err := a.db.ExecContext(r.Context(), `DELETE FROM sessions WHERE token_hash = ?`, hashToken(c.Value)); err != nil {
		a.log.Error("ending session", "err", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

type userKey struct{}

// currentUser is the signed-in user of r, or nil. requireUser puts it in the
// request's context; otherwise the session cookie is looked up.
func (a *app) currentUser(r *http.Request) *user {
	if u, ok := r.Context().Value(userKey{}).(*user); ok {
		return u
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil
	}
	var u user
	err = a.db.QueryRowContext(r.Context(), `
		SELECT u.id, u.name FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`,
		hashToken(c.Value), time.Now().Unix()).Scan(&u.ID, &u.Name)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) && !errors.Is(err, context.Canceled) {
			a.log.Error("looking up session", "err", err)
		}
		return nil
	}
	return &u
}

// identity tells the uploader who is uploading: the user's id, or "" for
// nobody (the uploader then answers 403).
func (a *app) identity(r *http.Request) string {
	if u := a.currentUser(r); u != nil {
		return strconv.FormatInt(u.ID, 10)
	}
	return ""
}

// requireUser runs h for signed-in users and sends everyone else to /login.
func (a *app) requireUser(h func(http.ResponseWriter, *http.Request, *user)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := a.currentUser(r)
		if u == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		h(w, r, u)
	}
}
