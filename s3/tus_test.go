package s3_test

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/tusclient"
	"github.com/stickyuploads/sticky/storetest"
)

// tusClient is a client of site's resumable endpoint, sending the header
// X-User: user when user is not empty.
func tusClient(site *storetest.Site, user ...string) *tusclient.Client {
	c := &tusclient.Client{Endpoint: strings.TrimSuffix(site.URL, sticky.DefaultPath) + site.TusURL(), Header: http.Header{}}
	for _, u := range user {
		c.Header.Set("X-User", u)
	}
	return c
}

// userHeader is the identity of a request: its header X-User, or
// storetest.User in the forms a Site posts, which have none.
func userHeader(r *http.Request) string {
	if u := r.Header.Get("X-User"); u != "" {
		return u
	}
	return storetest.User
}

// Resumable uploads to S3: chunks smaller than S3's minimum part, sent to
// two servers sharing the bucket in turn; a reference; the reply asked
// again; and nothing left after. The upload's id, which s3store extends
// with its multipart upload's id, stays bound to its owner on both.
func TestTusS3(t *testing.T) {
	stores, srv, bucket := s3Stores(t, 2)
	var sites [2]*storetest.Site
	for i, s := range stores {
		sites[i] = storetest.NewSite(t, sticky.Config{
			Store: s, Locker: s.Locker(), Identity: userHeader, MaxSize: 64 << 20,
			Fields: map[string]sticky.Rules{"photo": {Accept: []string{"image/*"}}},
		})
	}
	a, b := tusClient(sites[0], "alice"), tusClient(sites[1], "alice")
	ctx := t.Context()
	data := make([]byte, 13<<20)
	rand.Read(data)
	u, res, err := a.Create(ctx, int64(len(data)), map[string]string{"field": "doc", "filename": "big.bin"}, nil)
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create: %v %v", res, err)
	}
	if !strings.Contains(u, "+") {
		t.Errorf("upload URL %s: want s3store's id, with its multipart upload's after +", u)
	}
	onB := strings.Replace(u, a.Endpoint, b.Endpoint, 1)
	for i, cut := range [][2]int{{0, 6 << 20}, {6 << 20, 7 << 20}, {7 << 20, 13 << 20}} {
		c, at := a, u
		if i%2 == 1 {
			c, at = b, onB
		}
		res, err = c.Patch(ctx, at, int64(cut[0]), bytes.NewReader(data[cut[0]:cut[1]]))
		if err != nil || res.Status != http.StatusNoContent {
			t.Fatalf("PATCH %v: %v %v", cut, res, err)
		}
	}
	ref := res.Header.Get(sticky.RefHeader)
	for i, site := range sites {
		if got := readKept(t, site, "doc", ref); !bytes.Equal(got, data) {
			t.Fatalf("server %d reads %d bytes that differ from the %d sent", i, len(got), len(data))
		}
	}
	for _, at := range []string{u, onB} {
		if _, res, err := a.Offset(ctx, at); err != nil || res.Header.Get(sticky.RefHeader) == "" {
			t.Fatalf("HEAD of the complete upload at %s: %v %v", at, res, err)
		}
		for _, other := range []string{"bob", "alicia"} {
			if _, res, err := tusClient(sites[0], other).Offset(ctx, at); err != nil || res.Status != http.StatusGone {
				t.Errorf("HEAD of alice's upload by %q: %v %v; want 410, not known here", other, res, err)
			}
		}
	}

	f, err := sites[1].Kept(ctx, "doc", ref)
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != "application/octet-stream" {
		t.Errorf("type %q", f.Type)
	}
	if err := f.Discard(ctx); err != nil {
		t.Fatal(err)
	}
	wantEmpty(t, srv, bucket)

	// A refused type leaves nothing either.
	_, res, err = a.Create(ctx, 5, map[string]string{"field": "photo"}, strings.NewReader("hello"))
	if err != nil || res.Status != http.StatusUnsupportedMediaType {
		t.Fatalf("create with a refused type: %v %v", res, err)
	}
	wantEmpty(t, srv, bucket)
}
