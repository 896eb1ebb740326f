package nginxtest

import (
	"io"
	"strings"
	"testing"
)

func TestServer(t *testing.T) {
	s := Start(t, func(listen string) string {
		return `server {
    listen ` + listen + `;
    location = /hello { return 200 "hello from nginx"; }
    location /inner/ { internal; return 200 "inner"; }
    location /jump { rewrite ^ /inner/x last; }
}`
	})
	for _, tt := range []struct {
		path   string
		status int
		body   string
	}{
		{"/hello", 200, "hello from nginx"},
		{"/inner/x", 404, ""},
		{"/jump?a=1", 200, "inner"},
	} {
		res := s.Get(t, tt.path)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.status || !strings.Contains(string(body), tt.body) {
			t.Errorf("%s: %d %q", tt.path, res.StatusCode, body)
		}
	}
	log := s.Log(t, 3)
	want := []Entry{
		{200, "GET", "/hello", "/hello", 16},
		{404, "GET", "/inner/x", "/inner/x", log[1].Bytes},
		{200, "GET", "/jump?a=1", "/inner/x", 5},
	}
	if len(log) != len(want) {
		t.Fatalf("log %+v", log)
	}
	for i := range want {
		if log[i] != want[i] {
			t.Errorf("entry %d: %+v, want %+v", i, log[i], want[i])
		}
	}
}
