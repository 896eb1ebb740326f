package sticky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// ---- helpers: a client of the traditional protocol ----

const fineUUID = "5a1c0e9e-8f2b-4c55-9a1e-2f6f3c1b7d40"

// fineParts encodes params, in order, then the file part qqfile, as Fine
// Uploader does.
func fineParts(params [][2]string, filename string, data []byte) []mpPart {
	parts := make([]mpPart, 0, len(params)+1)
	for _, kv := range params {
		parts = append(parts, mpField(kv[0], kv[1]))
	}
	return append(parts, mpFile("qqfile", filename, data))
}

// fineResult is an answer of the endpoint.
type fineResult struct {
	status int
	reply  fineAnswer
	raw    string
}

// fineAnswer holds every member the endpoint answers with.
type fineAnswer struct {
	Success      bool   `json:"success"`
	Error        string `json:"error"`
	PreventRetry bool   `json:"preventRetry"`
	Reset        bool   `json:"reset"`
	Stored       string `json:"stored"`
	Filename     string `json:"filename"`
	Size         int64  `json:"size"`
	Type         string `json:"type"`
	SHA256       string `json:"sha256"`
}

// fineServe sends r to up in process and decodes the reply.
func fineServe(t testing.TB, up *Uploader, r *http.Request) fineResult {
	t.Helper()
	w := httptest.NewRecorder()
	up.ServeHTTP(w, r)
	res := fineResult{status: w.Code, raw: w.Body.String()}
	if err := json.Unmarshal(w.Body.Bytes(), &res.reply); err != nil {
		t.Fatalf("reply %q (status %d) is not JSON: %v", res.raw, res.status, err)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("reply Content-Type %q", ct)
	}
	return res
}

// finePost sends one upload request: params then the file part.
func finePost(t testing.TB, up *Uploader, user string, params [][2]string, filename string, data []byte) fineResult {
	t.Helper()
	body, ct := mpBody(t, fineParts(params, filename, data)...)
	r := httptest.NewRequest(http.MethodPost, up.path+"fine/", body)
	r.Header.Set("Content-Type", ct)
	if user != "" {
		r.Header.Set("X-User", user)
	}
	return fineServe(t, up, r)
}

// chunkParams are the parameters of chunk part of data, in Fine Uploader's
// order, for uuid and field.
func chunkParams(uuid, field, name string, total int64, part, parts int, offset, size int64) [][2]string {
	return [][2]string{
		{"field", field},
		{"qqpartindex", strconv.Itoa(part)},
		{"qqpartbyteoffset", strconv.FormatInt(offset, 10)},
		{"qqchunksize", strconv.FormatInt(size, 10)},
		{"qqtotalparts", strconv.Itoa(parts)},
		{"qqtotalfilesize", strconv.FormatInt(total, 10)},
		{"qqfilename", name},
		{"qquuid", uuid},
	}
}

// chunkOf returns the parameters and bytes of chunk part of data cut in
// pieces of partSize.
func chunkOf(uuid, field, name string, data []byte, partSize, part int) ([][2]string, []byte) {
	parts := (len(data) + partSize - 1) / partSize
	start := part * partSize
	end := min(start+partSize, len(data))
	return chunkParams(uuid, field, name, int64(len(data)), part, parts, int64(start), int64(end-start)), data[start:end]
}

// fineSendChunks uploads data in chunks of partSize, through ups in turn
// (several servers), checks that every reply but the last is exactly
// {"success":true}, and returns the last.
func fineSendChunks(t testing.TB, ups []*Uploader, user, uuid, field, name string, data []byte, partSize int) fineResult {
	t.Helper()
	parts := (len(data) + partSize - 1) / partSize
	var res fineResult
	for i := range parts {
		params, chunk := chunkOf(uuid, field, name, data, partSize, i)
		res = finePost(t, ups[i%len(ups)], user, params, "blob", chunk)
		if i < parts-1 && (res.status != 200 || res.raw != "{\"success\":true}\n") {
			t.Fatalf("chunk %d of %d: status %d %s, want 200 {\"success\":true}", i, parts, res.status, res.raw)
		}
	}
	return res
}

// wantFineSuccess checks a final reply and returns the kept file its
// reference gives to a form post.
func wantFineSuccess(t *testing.T, up *Uploader, user, field string, res fineResult, name string, data []byte) *File {
	t.Helper()
	if res.status != 200 || !res.reply.Success || res.reply.Stored == "" || res.reply.Error != "" {
		t.Fatalf("final reply: status %d %s", res.status, res.raw)
	}
	if strings.Contains(res.raw, "is_valid") {
		t.Errorf("final reply %s has is_valid", res.raw)
	}
	if res.reply.Filename != name || res.reply.Size != int64(len(data)) || res.reply.Type == "" {
		t.Errorf("final reply %+v, want %q of %d bytes with a type", res.reply, name, len(data))
	}
	f, err := fineKept(t, up, user, field, res.reply.Stored)
	if err != nil {
		t.Fatalf("Form.File with the reference of the reply: %v", err)
	}
	if f.Name != name || f.Size != int64(len(data)) || f.Type != res.reply.Type {
		t.Errorf("kept file %q %d %q, the reply said %q %d %q", f.Name, f.Size, f.Type, name, len(data), res.reply.Type)
	}
	if got := fileBytes(t, f); !bytes.Equal(got, data) {
		t.Fatalf("kept file holds %d bytes that differ from the %d sent", len(got), len(data))
	}
	return f
}

// fineKept posts a form whose sticky field carries ref and returns its file.
func fineKept(t testing.TB, up *Uploader, user, field, ref string) (*File, error) {
	t.Helper()
	body := url.Values{"_" + field: {ref}}.Encode()
	r := httptest.NewRequest(http.MethodPost, "/submit", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-User", user)
	form, err := up.ReadForm(httptest.NewRecorder(), r)
	if err != nil {
		t.Fatalf("ReadForm: %v", err)
	}
	return form.File(field)
}

// wantFineFailure checks a failure: the status, a sentence in error, and
// what Fine Uploader is told to do.
func wantFineFailure(t testing.TB, res fineResult, status int, preventRetry, reset bool) {
	t.Helper()
	if res.status != status {
		t.Fatalf("status %d, want %d: %s", res.status, status, res.raw)
	}
	var top map[string]any
	json.Unmarshal([]byte(res.raw), &top)
	for k := range top {
		if !slices.Contains([]string{"success", "error", "preventRetry", "reset"}, k) {
			t.Errorf("failure reply %s has %q", res.raw, k)
		}
	}
	if res.reply.Success || !isSentence(res.reply.Error) {
		t.Errorf("failure reply %s: want success false and a sentence in error", res.raw)
	}
	if res.reply.PreventRetry != preventRetry || res.reply.Reset != reset {
		t.Errorf("failure reply %s: want preventRetry %v, reset %v", res.raw, preventRetry, reset)
	}
}

// wantFineUploads checks that the store in dir holds n uploads, not
// counting the receipts of the completed ones.
func wantFineUploads(t testing.TB, dir string, n int) {
	t.Helper()
	var uploads []string
	for _, f := range storeFiles(t, dir) {
		// Not receipts, nor the running checksums of unfinished uploads.
		if strings.HasSuffix(f, ".info") && !strings.HasSuffix(f, ".receipt.info") && !strings.Contains(filepath.Base(f), ".sha256-") {
			uploads = append(uploads, f)
		}
	}
	if len(uploads) != n {
		t.Errorf("the store holds %d uploads, want %d: %q", len(uploads), n, storeFiles(t, dir))
	}
}

func fineBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16)})
	r.Read(b)
	return b
}

// ---- whole files ----

func TestFineWholeFile(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	data := []byte("Minutes of the meeting.\n")
	params := [][2]string{{"field", "file"}, {"qquuid", fineUUID}, {"qqfilename", "minutes.txt"}, {"qqtotalfilesize", strconv.Itoa(len(data))}}

	res := finePost(t, up, "alice", params, "minutes.txt", data)
	wantFineSuccess(t, up, "alice", "file", res, "minutes.txt", data)
	if res.reply.Type != "text/plain" {
		t.Errorf("type %q", res.reply.Type)
	}
	wantFineUploads(t, dir, 1)

	t.Run("name from the file part", func(t *testing.T) {
		res := finePost(t, up, "alice", [][2]string{{"field", "file"}, {"qquuid", "no-qqfilename"}}, `C:\docs\notes.txt`, data)
		wantFineSuccess(t, up, "alice", "file", res, "notes.txt", data)
	})
	t.Run("bare bytes, parameters in the query", func(t *testing.T) {
		q := url.Values{"field": {"file"}, "qquuid": {"bare"}, "qqfile": {"bare.txt"}}
		r := httptest.NewRequest(http.MethodPost, up.path+"fine?"+q.Encode(), bytes.NewReader(data))
		r.Header.Set("Content-Type", "application/octet-stream")
		r.Header.Set("X-User", "alice")
		wantFineSuccess(t, up, "alice", "file", fineServe(t, up, r), "bare.txt", data)
	})
	t.Run("valum's uploader before 3: no qquuid, bare bytes", func(t *testing.T) {
		q := url.Values{"field": {"file"}, "qqfile": {"old.txt"}}
		r := httptest.NewRequest(http.MethodPost, up.path+"fine/?"+q.Encode(), bytes.NewReader(data))
		r.Header.Set("Content-Type", "application/octet-stream")
		r.Header.Set("X-User", "alice")
		wantFineSuccess(t, up, "alice", "file", fineServe(t, up, r), "old.txt", data)
	})
	t.Run("the same qquuid again replaces the file", func(t *testing.T) {
		again := []byte("Minutes, corrected.\n")
		res := finePost(t, up, "alice", params, "minutes.txt", again)
		wantFineSuccess(t, up, "alice", "file", res, "minutes.txt", again)
		wantFineUploads(t, dir, 4)
	})
	t.Run("the reference is bound to its field", func(t *testing.T) {
		if _, err := fineKept(t, up, "alice", "other", res.reply.Stored); !errors.Is(err, ErrWrongField) {
			t.Errorf("the reference under another field: %v, want ErrWrongField", err)
		}
		if _, err := fineKept(t, up, "bob", "file", res.reply.Stored); !errors.Is(err, ErrNotOwner) {
			t.Errorf("the reference posted by someone else: %v, want ErrNotOwner", err)
		}
	})
}

// ---- chunked files ----

func TestFineChunked(t *testing.T) {
	data := fineBytes(10_000)
	for _, partSize := range []int{2_000, 3_000, 4_999, 9_999, 10_000} {
		t.Run(fmt.Sprintf("parts of %d bytes", partSize), func(t *testing.T) {
			up, dir := newTestUploader(t, Config{})
			res := fineSendChunks(t, []*Uploader{up}, "alice", fineUUID, "file", "scan.bin", data, partSize)
			wantFineSuccess(t, up, "alice", "file", res, "scan.bin", data)
			wantFineUploads(t, dir, 1)
		})
	}
}

// Two servers sharing the store and the keys take the chunks in turn: the
// upload is found from (owner, qquuid) alone, on either.
func TestFineChunkedAcrossServers(t *testing.T) {
	store, err := NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, dir := newTestUploader(t, Config{Store: store})
	b, _ := newTestUploader(t, Config{Store: store})
	data := fineBytes(25_000)
	res := fineSendChunks(t, []*Uploader{a, b}, "alice", fineUUID, "file", "report.bin", data, 4_096)
	wantFineSuccess(t, b, "alice", "file", res, "report.bin", data)
	wantFineSuccess(t, a, "alice", "file", res, "report.bin", data)
	wantFineUploads(t, dir, 1)
}

// After a key rotation, an upload begun under the old key goes on.
func TestFineChunkedAcrossKeyRotation(t *testing.T) {
	store, err := NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	oldKey, newKey := testKeys[0], []byte("new-key-0123456789abcdef0123456789abcdef")
	before, _ := newTestUploader(t, Config{Store: store, Keys: [][]byte{oldKey}})
	after, _ := newTestUploader(t, Config{Store: store, Keys: [][]byte{newKey, oldKey}})
	data := fineBytes(9_000)
	params, chunk := chunkOf(fineUUID, "file", "a.bin", data, 4_000, 0)
	if res := finePost(t, before, "alice", params, "blob", chunk); res.status != 200 {
		t.Fatalf("chunk 0: %s", res.raw)
	}
	for i := 1; i < 3; i++ {
		params, chunk := chunkOf(fineUUID, "file", "a.bin", data, 4_000, i)
		res := finePost(t, after, "alice", params, "blob", chunk)
		if i == 2 {
			wantFineSuccess(t, after, "alice", "file", res, "a.bin", data)
		}
	}
}

// A chunk cut short leaves a prefix that its retry completes; a chunk sent
// again after its reply was lost is not stored twice; the last chunk sent
// again after the upload completed answers with the reference again, from
// the receipt.
func TestFineChunkRetries(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	data := fineBytes(30_000)
	const partSize = 10_000
	send := func(i int) fineResult {
		params, chunk := chunkOf(fineUUID, "file", "r.bin", data, partSize, i)
		return finePost(t, up, "alice", params, "blob", chunk)
	}
	if res := send(0); res.status != 200 {
		t.Fatalf("chunk 0: %s", res.raw)
	}

	// Chunk 1, cut off after 6,000 of its bytes.
	params, chunk := chunkOf(fineUUID, "file", "r.bin", data, partSize, 1)
	body, ct := mpBody(t, fineParts(params, "blob", chunk)...)
	full := body.Bytes()
	cut := bytes.Index(full, chunk) + 6_000
	r := httptest.NewRequest(http.MethodPost, up.path+"fine/", io.MultiReader(bytes.NewReader(full[:cut]), iotestErrReader{}))
	r.Header.Set("Content-Type", ct)
	r.Header.Set("X-User", "alice")
	res := fineServe(t, up, r)
	wantFineFailure(t, res, http.StatusBadRequest, false, false)
	if got := storedOffset(t, up, "alice", fineUUID); got != partSize+6_000 {
		t.Errorf("after the cut the store holds %d bytes, want the %d that arrived", got, partSize+6_000)
	}

	for range 2 { // the retry, then a repeat whose reply was "lost"
		if res := send(1); res.raw != "{\"success\":true}\n" {
			t.Fatalf("chunk 1 again: %d %s", res.status, res.raw)
		}
		if got := storedOffset(t, up, "alice", fineUUID); got != 2*partSize {
			t.Fatalf("after chunk 1 the store holds %d bytes, want %d", got, 2*partSize)
		}
	}
	first := send(2)
	wantFineSuccess(t, up, "alice", "file", first, "r.bin", data)
	again := send(2)
	wantFineSuccess(t, up, "alice", "file", again, "r.bin", data)
	// A server that stopped after storing the last chunk, before accepting
	// the file, left it without a receipt: as a tus upload, it is never
	// handed out, and the file starts over.
	forgetReceipt(t, up, "alice", fineUUID)
	wantFineFailure(t, send(2), http.StatusGone, false, true)
	for i := range 2 {
		send(i)
	}
	first = send(2)
	wantFineSuccess(t, up, "alice", "file", first, "r.bin", data)
	wantFineUploads(t, dir, 1)

	t.Run("chunk 0 again starts over", func(t *testing.T) {
		if res := send(0); res.status != 200 {
			t.Fatalf("chunk 0: %s", res.raw)
		}
		if got := storedOffset(t, up, "alice", fineUUID); got != partSize {
			t.Errorf("after chunk 0 again the store holds %d bytes, want %d", got, partSize)
		}
		if _, err := fineKept(t, up, "alice", "file", first.reply.Stored); !errors.Is(err, ErrGone) {
			t.Errorf("the reference to the replaced, unfinished upload: %v, want ErrGone", err)
		}
		send(1)
		wantFineSuccess(t, up, "alice", "file", send(2), "r.bin", data)
		wantFineUploads(t, dir, 1)
	})
}

// forgetReceipt removes the receipt of owner's upload of uuid, as if its
// server had stopped before answering the last chunk.
func forgetReceipt(t testing.TB, up *Uploader, owner, uuid string) {
	t.Helper()
	ctx := context.Background()
	info := fineInfo(t, up, owner, uuid)
	rec, id, err := up.readReceipt(ctx, info.ID)
	if err != nil || rec == nil {
		t.Fatalf("the receipt of %s: %v %v", info.ID, rec, err)
	}
	if err := up.remove(ctx, id); err != nil {
		t.Fatal(err)
	}
}

// iotestErrReader fails every read, like a connection that was cut.
type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// storedOffset is how many bytes owner's upload of uuid holds.
func storedOffset(t testing.TB, up *Uploader, owner, uuid string) int64 {
	t.Helper()
	return fineInfo(t, up, owner, uuid).Offset
}

// fineInfo reads owner's upload of uuid from the store, under the first key.
func fineInfo(t testing.TB, up *Uploader, owner, uuid string) handler.FileInfo {
	t.Helper()
	ctx := context.Background()
	stored, err := up.findUpload(ctx, fineID(up.sign.keys[0], owner, uuid))
	var info handler.FileInfo
	if err == nil {
		info, err = stored.GetInfo(ctx)
	}
	if err != nil {
		t.Fatalf("finding the upload of %s: %v", uuid, err)
	}
	return info
}

func TestFineFailures(t *testing.T) {
	data := fineBytes(10_000)
	text := bytes.Repeat([]byte("plain words\n"), 1_000)
	chunk0 := func(d []byte) ([][2]string, []byte) { return chunkOf(fineUUID, "file", "f.bin", d, 4_000, 0) }
	with := func(params [][2]string, key, value string) [][2]string {
		out := slices.Clone(params)
		for i := range out {
			if out[i][0] == key {
				out[i][1] = value
				return out
			}
		}
		return append(out, [2]string{key, value})
	}
	without := func(params [][2]string, key string) [][2]string {
		return slices.DeleteFunc(slices.Clone(params), func(kv [2]string) bool { return kv[0] == key })
	}
	p0, c0 := chunk0(data)
	p1, c1 := chunkOf(fineUUID, "file", "f.bin", data, 4_000, 1)
	p2, c2 := chunkOf(fineUUID, "file", "f.bin", data, 4_000, 2)

	tests := []struct {
		name          string
		config        Config
		user          string
		first         bool // send chunk 0 before
		params        [][2]string
		data          []byte
		status        int
		prevent       bool
		reset         bool
		uploadsBefore int // uploads left after the failure
	}{
		{name: "nobody signed in", user: "-", params: p0, data: c0, status: 403, prevent: true},
		{name: "no field", params: without(p0, "field"), data: c0, status: 400, prevent: true},
		{name: "field named wrongly", params: with(p0, "field", "a\x00b"), data: c0, status: 400, prevent: true},
		{name: "chunk without qquuid", params: without(p0, "qquuid"), data: c0, status: 400, prevent: true},
		{name: "qquuid with a slash", params: with(p0, "qquuid", "a/b"), data: c0, status: 400, prevent: true},
		{name: "qquuid twice", params: append(slices.Clone(p0), [2]string{"qquuid", "other"}), data: c0, status: 400, prevent: true},
		{name: "chunk without its size", params: without(p0, "qqchunksize"), data: c0, status: 400, prevent: true},
		{name: "negative offset", params: with(p1, "qqpartbyteoffset", "-4000"), data: c1, status: 400, prevent: true},
		{name: "offset not a number", params: with(p1, "qqpartbyteoffset", "4k"), data: c1, status: 400, prevent: true},
		{name: "offset past the end", params: with(p2, "qqpartbyteoffset", "9000"), data: c2, status: 400, prevent: true},
		{name: "index past the parts", params: with(p1, "qqpartindex", "3"), data: c1, status: 400, prevent: true},
		{name: "first chunk at an offset", params: with(p0, "qqpartbyteoffset", "1"), data: c0, status: 400, prevent: true},
		{name: "later chunk at offset 0", params: with(p1, "qqpartbyteoffset", "0"), data: c1, status: 400, prevent: true},
		{name: "last chunk short of the end", params: with(p2, "qqchunksize", "1000"), data: c2[:1000], status: 400, prevent: true},
		{name: "chunk larger than it said", first: true, params: with(with(p1, "qqchunksize", "3000"), "qqpartbyteoffset", "4000"), data: c1, status: 400, prevent: true},
		{name: "chunk smaller than it said", first: true, params: p1, data: c1[:3000], status: 400, uploadsBefore: 1},
		{name: "a chunk missing before", first: true, params: p2, data: c2, status: 400, reset: true, uploadsBefore: 1},
		{name: "next chunk of an unknown file", params: p1, data: c1, status: 404, reset: true},
		{name: "next chunk of another person's file", user: "bob", first: true, params: p1, data: c1, status: 404, reset: true, uploadsBefore: 1},
		{name: "next chunk for another field", first: true, params: with(p1, "field", "photo"), data: c1, status: 400, prevent: true},
		{name: "next chunk with another total", first: true, params: with(p1, "qqtotalfilesize", "10001"), data: c1, status: 400, prevent: true},
		{
			name: "first chunk of the wrong type", config: Config{Fields: map[string]Rules{"file": {Accept: []string{"image/*"}}}},
			params: p0, data: c0, status: 415, prevent: true,
		},
		{name: "total over the limit", config: Config{MaxSize: 9_999}, params: p0, data: c0, status: 413, prevent: true},
		{name: "whole file over the limit", config: Config{MaxSize: 5_000}, params: [][2]string{{"field", "file"}, {"qquuid", fineUUID}}, data: text, status: 413, prevent: true},
		{name: "whole file saying it is over the limit", config: Config{MaxSize: 5_000}, params: [][2]string{{"field", "file"}, {"qquuid", fineUUID}, {"qqtotalfilesize", "5001"}}, data: text[:10], status: 413, prevent: true},
		{name: "empty file", params: [][2]string{{"field", "file"}, {"qquuid", fineUUID}}, data: nil, status: 400, prevent: true},
		{name: "chunked empty file", params: chunkParams(fineUUID, "file", "e", 0, 0, 1, 0, 0), data: nil, status: 400, prevent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, dir := newTestUploader(t, tt.config)
			if tt.first {
				if res := finePost(t, up, "alice", p0, "blob", c0); res.status != 200 {
					t.Fatalf("chunk 0: %s", res.raw)
				}
			}
			user := tt.user
			switch user {
			case "":
				user = "alice"
			case "-":
				user = ""
			}
			res := finePost(t, up, user, tt.params, "f.bin", tt.data)
			wantFineFailure(t, res, tt.status, tt.prevent, tt.reset)
			wantFineUploads(t, dir, tt.uploadsBefore)
		})
	}

	t.Run("type judged again on the whole file", func(t *testing.T) {
		// A first chunk too short to tell text from binary passes as text.
		up, dir := newTestUploader(t, Config{Accept: []string{"text/plain"}})
		mixed := append(bytes.Repeat([]byte("a line of text\n"), 10), fineBytes(1_000)...)
		res := fineSendChunks(t, []*Uploader{up}, "alice", fineUUID, "file", "notes.txt", mixed, 150)
		wantFineFailure(t, res, http.StatusUnsupportedMediaType, true, false)
		wantFineUploads(t, dir, 0)
	})
	t.Run("no file part", func(t *testing.T) {
		up, _ := newTestUploader(t, Config{})
		body, ct := mpBody(t, mpField("field", "file"), mpField("qquuid", fineUUID))
		r := httptest.NewRequest(http.MethodPost, up.path+"fine/", body)
		r.Header.Set("Content-Type", ct)
		r.Header.Set("X-User", "alice")
		wantFineFailure(t, fineServe(t, up, r), 400, true, false)
	})
	t.Run("methods", func(t *testing.T) {
		up, _ := newTestUploader(t, Config{})
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch} {
			r := httptest.NewRequest(m, up.path+"fine/", nil)
			r.Header.Set("X-User", "alice")
			res := fineServe(t, up, r)
			wantFineFailure(t, res, http.StatusMethodNotAllowed, true, false)
		}
	})
}

// Two requests for one file at once (a retry racing a stalled attempt) are
// kept apart by the upload's lock, as tus requests are: the later one stops
// the earlier where it was, then resumes after the bytes it stored. The
// file comes out whole.
func TestFineConcurrentRequestsKeptApart(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	srv := httptest.NewServer(up)
	defer srv.Close()
	data := fineBytes(300_000)
	const partSize = 100_000
	post := func(body io.Reader, ct string) (*http.Response, error) {
		r, err := http.NewRequest(http.MethodPost, srv.URL+up.path+"fine/", body)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", ct)
		r.Header.Set("X-User", "alice")
		return srv.Client().Do(r)
	}
	params, chunk := chunkOf(fineUUID, "file", "c.bin", data, partSize, 0)
	if res := finePost(t, up, "alice", params, "blob", chunk); res.status != 200 {
		t.Fatalf("chunk 0: %s", res.raw)
	}

	// Chunk 1 stalls after 30,000 of its bytes, its connection open.
	params, chunk = chunkOf(fineUUID, "file", "c.bin", data, partSize, 1)
	body, ct := mpBody(t, fineParts(params, "blob", chunk)...)
	full := body.Bytes()
	cut := bytes.Index(full, chunk) + 30_000
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write(full[:cut])
	stalled := make(chan *http.Response, 1)
	go func() {
		res, _ := post(pr, ct) // the server may answer, or drop the connection
		stalled <- res
	}()
	for deadline := time.Now().Add(10 * time.Second); storedOffset(t, up, "alice", fineUUID) < partSize+30_000; {
		if time.Now().After(deadline) {
			t.Fatal("the stalled chunk stored nothing")
		}
		time.Sleep(5 * time.Millisecond)
	}

	// Its retry takes the lock from it, and stores the rest.
	res, err := post(bytes.NewReader(full), ct)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "{\"success\":true}\n" {
		t.Fatalf("chunk 1 again, while the first attempt stalls: %d %s", res.StatusCode, b)
	}
	if got := storedOffset(t, up, "alice", fineUUID); got != 2*partSize {
		t.Fatalf("after chunk 1 the store holds %d bytes, want %d", got, 2*partSize)
	}
	select {
	case res := <-stalled:
		if res != nil {
			var rep fineAnswer
			json.NewDecoder(res.Body).Decode(&rep)
			res.Body.Close()
			if res.StatusCode == 200 || rep.PreventRetry {
				t.Errorf("the stalled attempt was answered %d %+v, want a failure that may be retried", res.StatusCode, rep)
			}
		}
	case <-time.After(10 * time.Second):
		t.Error("the stalled attempt was never stopped")
	}

	params, chunk = chunkOf(fineUUID, "file", "c.bin", data, partSize, 2)
	wantFineSuccess(t, up, "alice", "file", finePost(t, up, "alice", params, "blob", chunk), "c.bin", data)
	wantFineUploads(t, dir, 1)
}

// A Fine Uploader file's upload is out of reach of tus clients, its owner
// included: the tus endpoint takes only the ids it makes itself.
func TestFineUploadNotReachableByTus(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	data := fineBytes(9_000)
	params, chunk := chunkOf(fineUUID, "file", "t.bin", data, 4_000, 0)
	if res := finePost(t, up, "alice", params, "blob", chunk); res.status != 200 {
		t.Fatalf("chunk 0: %s", res.raw)
	}
	id := fineID(up.sign.keys[0], "alice", fineUUID)
	for _, m := range []string{http.MethodHead, http.MethodPatch, http.MethodDelete} {
		r := httptest.NewRequest(m, up.TusURL()+id, bytes.NewReader(data[4_000:]))
		r.Header.Set("X-User", "alice")
		r.Header.Set("Tus-Resumable", "1.0.0")
		r.Header.Set("Upload-Offset", "4000")
		r.Header.Set("Content-Type", "application/offset+octet-stream")
		w := httptest.NewRecorder()
		up.ServeHTTP(w, r)
		if w.Code != http.StatusGone {
			t.Errorf("tus %s of a Fine upload: %d, want 410", m, w.Code)
		}
	}
	if got := storedOffset(t, up, "alice", fineUUID); got != 4_000 {
		t.Errorf("the upload holds %d bytes, want 4000", got)
	}
	wantFineUploads(t, dir, 1)
}

// ---- deletion ----

func TestFineDelete(t *testing.T) {
	data := []byte("to be deleted\n")
	upload := func(t *testing.T, up *Uploader, uuid string) string {
		t.Helper()
		res := finePost(t, up, "alice", [][2]string{{"field", "file"}, {"qquuid", uuid}, {"qqfilename", "d.txt"}}, "d.txt", data)
		if res.status != 200 {
			t.Fatalf("upload: %s", res.raw)
		}
		return res.reply.Stored
	}
	del := func(t *testing.T, up *Uploader, user, method, target, body string) fineResult {
		t.Helper()
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		if body != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if user != "" {
			r.Header.Set("X-User", user)
		}
		return fineServe(t, up, r)
	}

	for _, how := range []struct{ name, method, target, body string }{
		{"DELETE with the qquuid in the path", http.MethodDelete, "/uploads/fine/" + fineUUID, ""},
		{"DELETE after an endpoint ending in a slash", http.MethodDelete, "/uploads/fine//" + fineUUID, ""},
		{"DELETE with the qquuid in the query", http.MethodDelete, "/uploads/fine/?qquuid=" + fineUUID, ""},
		{"POST with _method", http.MethodPost, "/uploads/fine/", "_method=DELETE&qquuid=" + fineUUID},
	} {
		t.Run(how.name, func(t *testing.T) {
			up, dir := newTestUploader(t, Config{})
			ref := upload(t, up, fineUUID)
			res := del(t, up, "alice", how.method, how.target, how.body)
			if res.status != 200 || res.raw != "{\"success\":true}\n" {
				t.Fatalf("delete: %d %s", res.status, res.raw)
			}
			assertStoreEmpty(t, dir)
			if _, err := fineKept(t, up, "alice", "file", ref); !errors.Is(err, ErrGone) {
				t.Errorf("the deleted file's reference: %v, want ErrGone", err)
			}
			wantFineFailure(t, del(t, up, "alice", how.method, how.target, how.body), 404, true, false)
		})
	}

	t.Run("an unfinished chunked upload", func(t *testing.T) {
		up, dir := newTestUploader(t, Config{})
		params, chunk := chunkOf(fineUUID, "file", "c.bin", fineBytes(5_000), 2_000, 0)
		finePost(t, up, "alice", params, "blob", chunk)
		wantFineUploads(t, dir, 1)
		if res := del(t, up, "alice", http.MethodDelete, "/uploads/fine/"+fineUUID, ""); res.status != 200 {
			t.Fatalf("delete: %s", res.raw)
		}
		assertStoreEmpty(t, dir)
	})

	t.Run("refused", func(t *testing.T) {
		up, dir := newTestUploader(t, Config{})
		ref := upload(t, up, fineUUID)
		wantFineFailure(t, del(t, up, "bob", http.MethodDelete, "/uploads/fine/"+fineUUID, ""), 404, true, false)
		wantFineFailure(t, del(t, up, "", http.MethodDelete, "/uploads/fine/"+fineUUID, ""), 403, true, false)
		wantFineFailure(t, del(t, up, "alice", http.MethodDelete, "/uploads/fine/", ""), 400, true, false)
		wantFineFailure(t, del(t, up, "alice", http.MethodDelete, "/uploads/fine/a%2Fb", ""), 400, true, false)
		wantFineFailure(t, del(t, up, "alice", http.MethodPost, "/uploads/fine/", "qquuid="+fineUUID), 400, true, false)
		wantFineFailure(t, del(t, up, "alice", http.MethodPost, "/uploads/fine/"+fineUUID, ""), 404, true, false)
		wantFineUploads(t, dir, 1)
		if _, err := fineKept(t, up, "alice", "file", ref); err != nil {
			t.Errorf("after the refused deletions the file's reference: %v", err)
		}
	})

	t.Run("the same qquuid for another field is refused", func(t *testing.T) {
		up, dir := newTestUploader(t, Config{})
		upload(t, up, fineUUID)
		res := finePost(t, up, "alice", [][2]string{{"field", "photo"}, {"qquuid", fineUUID}}, "d.txt", data)
		wantFineFailure(t, res, 400, true, false)
		wantFineUploads(t, dir, 1)
	})
}

// A cross-site upload is refused like any other state-changing request.
func TestFineCrossOrigin(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	body, ct := mpBody(t, fineParts([][2]string{{"field", "file"}, {"qquuid", fineUUID}}, "x.txt", []byte("x"))...)
	r := httptest.NewRequest(http.MethodPost, "/uploads/fine/", body)
	r.Header.Set("Content-Type", ct)
	r.Header.Set("X-User", "alice")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	up.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Errorf("cross-site upload: status %d", w.Code)
	}
	r = httptest.NewRequest(http.MethodDelete, "/uploads/fine/"+fineUUID, nil)
	r.Header.Set("X-User", "alice")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w = httptest.NewRecorder()
	up.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Errorf("cross-site delete: status %d", w.Code)
	}
	assertStoreEmpty(t, dir)
}

// ---- S3 ----

// ---- parameters ----

func FuzzFineParams(f *testing.F) {
	f.Add("qquuid=" + fineUUID + "&field=file")
	f.Add("qquuid=" + fineUUID + "&field=file&qqfilename=a.txt&qqtotalfilesize=10")
	for _, p := range [][2]string{{"0", "0"}, {"1", "4000"}, {"2", "8000"}} {
		f.Add(fmt.Sprintf("qquuid=u&field=f&qqpartindex=%s&qqpartbyteoffset=%s&qqchunksize=4000&qqtotalparts=3&qqtotalfilesize=10000", p[0], p[1]))
	}
	f.Add("qquuid=u&field=f&qqpartindex=2&qqpartbyteoffset=8000&qqchunksize=2000&qqtotalparts=3&qqtotalfilesize=10000")
	f.Add("qquuid=u&field=f&qqpartindex=1&qqpartbyteoffset=9223372036854775807&qqchunksize=9223372036854775807&qqtotalparts=2&qqtotalfilesize=9223372036854775807")
	f.Add("qquuid=u&field=f&qqpartindex=-1&qqpartbyteoffset=+5&qqchunksize=0x10&qqtotalparts=1e3&qqtotalfilesize=")
	f.Add("qquuid=u&qquuid=v&field=f")
	f.Add("qquuid=%00&field=%00")
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		p, err := parseFineParams(v)
		if err != nil {
			var ue *userError
			if !errors.As(err, &ue) || !isSentence(ue.Error()) {
				t.Fatalf("parseFineParams(%q): %v is no sentence for a person", query, err)
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrEmpty) {
				t.Fatalf("parseFineParams(%q): unexpected kind %v", query, err)
			}
			return
		}
		if (p.uuid != "" || p.chunked) && !validUUID(p.uuid) || !validField(p.field) {
			t.Fatalf("parseFineParams(%q) accepted %+v", query, p)
		}
		if !p.chunked {
			if p.part != 0 || p.parts != 1 || p.offset != 0 || p.size != -1 || !p.last() {
				t.Fatalf("whole file %q read as %+v", query, p)
			}
			return
		}
		switch {
		case p.total < 1, p.parts < 1, p.parts > fineMaxParts, p.part < 0, p.part >= p.parts,
			p.offset < 0, p.size < 1, p.end() < p.offset, p.end() > p.total,
			(p.part == 0) != (p.offset == 0), p.last() != (p.end() == p.total):
			t.Fatalf("parseFineParams(%q) accepted an impossible chunk %+v", query, p)
		}
	})
}

// The application's steps run for Fine Uploader's files as for any:
// Config.Before may refuse a file, Config.Rename names it, the processors'
// members join the final reply (but never Fine Uploader's own), and a last
// chunk sent again is answered from the receipt, not processed twice.
func TestFineApplicationSteps(t *testing.T) {
	var runs atomic.Int32
	up, dir := newTestUploader(t, Config{
		Before: func(r *http.Request, in Incoming) error {
			if in.Size > 20_000 {
				return Refuse(http.StatusTooManyRequests, "Your quota is used up for today.")
			}
			return nil
		},
		Rename: func(r *http.Request, in Incoming) string { return "renamed-" + in.Name },
		Processors: []Processor{ProcessorFunc(func(ctx context.Context, f *File) (map[string]any, error) {
			runs.Add(1)
			return map[string]any{"pages": 3, "success": false, "preventRetry": true}, nil
		})},
	})
	data := fineBytes(10_000)
	res := fineSendChunks(t, []*Uploader{up}, "alice", fineUUID, "file", "scan.bin", data, 4_000)
	wantFineSuccess(t, up, "alice", "file", res, "renamed-scan.bin", data)
	var members map[string]any
	json.Unmarshal([]byte(res.raw), &members)
	if members["pages"] != 3.0 || members["success"] != true || members["preventRetry"] != nil {
		t.Errorf("final reply %s: want the processor's pages and Fine Uploader's own success", res.raw)
	}
	params, chunk := chunkOf(fineUUID, "file", "scan.bin", data, 4_000, 2)
	again := finePost(t, up, "alice", params, "blob", chunk)
	var againMembers map[string]any
	json.Unmarshal([]byte(again.raw), &againMembers)
	delete(members, "stored")
	delete(againMembers, "stored")
	if !reflect.DeepEqual(againMembers, members) || runs.Load() != 1 {
		t.Errorf("the last chunk again: %s after %s, processors run %d times", again.raw, res.raw, runs.Load())
	}

	big := fineBytes(30_000)
	params, chunk = chunkOf("other-file", "file", "big.bin", big, 10_000, 0)
	wantFineFailure(t, finePost(t, up, "alice", params, "blob", chunk), http.StatusTooManyRequests, false, false)
	wantFineUploads(t, dir, 1)
}
