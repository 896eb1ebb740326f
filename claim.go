package sticky

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// ErrClaimed is returned by a Claimer for an upload that is claimed
// already. Permanent.Save turns it into an error wrapping ErrGone.
var ErrClaimed = errors.New("sticky: upload already claimed")

// A Claimer is a temporary store that can claim an upload for saving,
// atomically for every process that shares the store: of any number of
// Claim calls for one id, at most one succeeds until its release is
// called, and the others fail with an error wrapping ErrClaimed.
// Permanent.Save claims each upload before copying it, so that a file
// posted several times at once is saved once.
//
// Save calls release after a failed save, so that the file can be saved
// again, and after a successful one once the upload is gone. A claim that
// is never released (its process was killed) must go at the latest when
// the upload expires: the file then stays unsaveable, and the person
// chooses it again.
//
// DiskStore implements it with a file created O_EXCL, the store of
// package sticky/s3 with an object created by a conditional write (PUT
// with If-None-Match: *), deleted to release and swept with the uploads
// when its server died. A store that is no Claimer gets a claim that holds
// within one Uploader only.
type Claimer interface {
	Claim(ctx context.Context, id string) (release func(), err error)
}

// claimSuffix names the claim file of an upload in the disk store. It
// leaves the name shaped like an upload's data file (see uploadID), so
// that the sweep removes a claim its process never released, as an
// orphan, once it is older than the TTL.
const claimSuffix = "_claim"

// Claim claims upload id by creating the file <id>_claim in the store's
// directory; release removes it. It implements Claimer.
func (d *DiskStore) Claim(ctx context.Context, id string) (release func(), err error) {
	if !uploadID(id) {
		return nil, fmt.Errorf("sticky: claim %q: not an upload id", id)
	}
	p := filepath.Join(d.Path, id+claimSuffix)
	f, err := d.create(p)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("sticky: claim %s: %w", id, ErrClaimed)
	}
	if err != nil {
		return nil, fmt.Errorf("sticky: claim %s: %w", id, err)
	}
	f.Close()
	return func() { os.Remove(p) }, nil
}

// claimSet holds an Uploader's claims in this process: of uploads in
// stores that are no Claimer, and of those that are. It orders the
// goroutines of one process that save the same file, whatever the store.
type claimSet struct {
	sync.Mutex
	held map[string]bool
}

// claim claims f's upload for saving: in this process, then in the store
// when it is a Claimer. A file already claimed gives ErrGone.
func (f *File) claim(ctx context.Context) (release func(), err error) {
	local := &f.u.claims
	local.Lock()
	if local.held[f.id] {
		local.Unlock()
		return nil, f.claimedAlready(ErrClaimed)
	}
	if local.held == nil {
		local.held = map[string]bool{}
	}
	local.held[f.id] = true
	local.Unlock()
	releaseLocal := func() {
		local.Lock()
		delete(local.held, f.id)
		local.Unlock()
	}
	c, ok := f.u.store.(Claimer)
	if !ok {
		return releaseLocal, nil
	}
	releaseStore, err := c.Claim(ctx, f.id)
	if err != nil {
		releaseLocal()
		if errors.Is(err, ErrClaimed) {
			return nil, f.claimedAlready(err)
		}
		return nil, f.u.storeFailure(err)
	}
	return func() { releaseStore(); releaseLocal() }, nil
}

func (f *File) claimedAlready(err error) error {
	return failWith(ErrGone, "file.saved", err)
}
