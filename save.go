package sticky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// How a save survives a crash. Save takes these steps, and a process
// killed at any of them leaves the following, which Recover (in the Vault)
// and the sweep (in the temporary store) remove:
//
//  1. Claim the upload (see Claimer). Killed here: the claim stays in the
//     temporary store, and the file can no longer be saved (the person
//     chooses it again); the sweep removes claim and upload with the
//     upload's expiry. Nothing is in the Vault.
//  2. Write a journal: the keys about to be written, under journalDir,
//     its name beginning with the time. Killed while it is written: only
//     its uncommitted part (a hidden .part file in a DirVault); Recover
//     deletes it.
//  3. Copy the file and its derived files, each invisible until
//     committed. Killed here: some keys committed, one part file; Recover
//     deletes every key of the journal, with its part file, then the
//     journal. The upload stays claimed, as in 1.
//  4. Discard the temporary upload. Killed here or just after: as in 3,
//     except that the upload is gone, or partly gone and swept.
//  5. Remove the journal: the save is done. Killed after it: the files are
//     saved and the claim stays until the sweep; Save's caller never got
//     the key, exactly as if the program had died just after Save
//     returned, before recording the key. With Permanent.Recorded set,
//     the journal stays instead, and Recover asks the program whether it
//     recorded the key: the files of a key it never recorded go.
//
// Recover removes only the journals of saves that began more than twice
// SaveTimeout ago, and a save that has run longer than SaveTimeout when
// its copies are done gives up instead of going on to step 4, so Recover
// never undoes a save that is still running.

// journalDir is the folder of the Vault that holds the journals. Its name
// is hidden, so no key a pattern makes falls in it.
const journalDir = ".sticky-saves"

// maxJournal bounds a journal, in bytes.
const maxJournal = 1 << 20

type journal struct {
	Keys []string `json:"keys"`
}

// Save writes f under a new key from the pattern and returns the key,
// together with the files processors derived from f (File.Derived), each
// under DerivedKey(key, its name). The bytes stream from the temporary
// store to the Vault, never held whole in memory; when both are in one
// object store (see ServerCopier), the store copies them itself and none
// pass through the app. Once they are all
// written, the temporary upload is discarded and f's reference stops
// working. After a failure nothing is left in the Vault and f stays kept,
// so the form can be shown again.
//
// f is claimed first: however many requests save the same file at once,
// in one process or in several sharing the temporary store, one saves it
// and the others fail with an error wrapping ErrGone, whose message says
// that the file has already been saved. A crash at any point leaves
// nothing that Recover does not remove (see the steps above).
//
// values fills the pattern's own placeholders, such as {owner}.
func (p *Permanent) Save(ctx context.Context, f *File, values map[string]string) (key string, err error) {
	if p.Vault == nil {
		return "", errNoVault
	}
	if f.u == nil {
		return "", errors.New("sticky: Save takes a file from Form.File or Uploader.File")
	}
	key, err = p.Key(f, values)
	if err != nil {
		return "", err
	}
	release, err := f.claim(ctx)
	if err != nil {
		return "", err
	}
	keepClaim := false
	defer func() {
		if !keepClaim {
			release()
		}
	}()
	// Never saved before its processors (a virus scan) are done.
	if err := f.u.outcome(ctx, f.id); err != nil {
		return "", err
	}
	// f.made is read only under the claim: racing saves of one File
	// would see it change.
	if f.made != nil && f.made.child {
		return "", errors.New("sticky: a derived file is saved with the file it was derived from")
	}
	derived, err := f.Derived(ctx)
	if err != nil {
		return "", err
	}
	files := append([]*File{f}, derived...)
	keys := []string{key}
	for _, d := range derived {
		keys = append(keys, DerivedKey(key, d.Name))
	}
	start := time.Now()
	jkey, err := p.beginSave(ctx, start, keys)
	if err != nil {
		return "", err
	}
	for i, file := range files {
		if err := p.copy(ctx, file, keys[i]); err != nil {
			p.undo(ctx, jkey, keys)
			return "", err
		}
	}
	if took := time.Since(start); took > p.saveTimeout() {
		p.undo(ctx, jkey, keys)
		return "", fmt.Errorf("sticky: save %s: took %v, longer than SaveTimeout (%v)", key, took.Round(time.Second), p.saveTimeout())
	}
	keepClaim = !f.discardAfterSave(ctx)
	if p.Recorded != nil {
		return key, nil // Recover ends the journal, asking Recorded
	}
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := p.Vault.Delete(cctx, jkey); err != nil {
		// Recover would delete the files later: the save has failed, and
		// the temporary upload is gone already.
		p.undo(ctx, jkey, keys)
		keepClaim = true
		return "", fmt.Errorf("sticky: save %s: ending its journal: %w", key, err)
	}
	return key, nil
}

// DerivedKey returns the key under which Permanent.Save keeps a file
// derived from the file it saved under key: beside it, the derived file's
// name replacing the extension. "2025/ab12.jpg" and "thumbnail.jpg" give
// "2025/ab12-thumbnail.jpg".
func DerivedKey(key, name string) string {
	return strings.TrimSuffix(key, path.Ext(key)) + "-" + safeValue(name)
}

func (p *Permanent) saveTimeout() time.Duration {
	if p.SaveTimeout > 0 {
		return p.SaveTimeout
	}
	return DefaultSaveTimeout
}

// beginSave writes the journal of a save that begins at start and writes
// keys, and returns its key.
func (p *Permanent) beginSave(ctx context.Context, start time.Time, keys []string) (string, error) {
	b, err := json.Marshal(journal{Keys: keys})
	if err != nil {
		return "", err
	}
	jkey := fmt.Sprintf("%s/%016x-%s", journalDir, start.UnixNano(), NewKey()[:16])
	w, err := p.Vault.Create(ctx, jkey, "", "application/json")
	if err != nil {
		return "", fmt.Errorf("sticky: save %s: %w", keys[0], err)
	}
	if _, err := w.Write(b); err != nil {
		w.Abort()
		return "", fmt.Errorf("sticky: save %s: %w", keys[0], err)
	}
	if err := w.Commit(); err != nil {
		return "", fmt.Errorf("sticky: save %s: %w", keys[0], err)
	}
	return jkey, nil
}

// journalStart reads the time a save began from its journal's key; ok is
// false for a key that is not a journal's.
func journalStart(jkey string) (t time.Time, ok bool) {
	name := path.Base(jkey)
	stamp, _, found := strings.Cut(name, "-")
	if !found || len(stamp) != 16 {
		return time.Time{}, false
	}
	n, err := strconv.ParseUint(stamp, 16, 63)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, int64(n)), true
}

// copy copies file to key in the vault: inside the object store when the
// temporary store and the Vault share one (see ServerCopier), else
// streaming the bytes.
func (p *Permanent) copy(ctx context.Context, file *File, key string) error {
	if copied, err := file.copyInService(ctx, p.Vault, key); copied || err != nil {
		return err
	}
	w, err := p.Vault.Create(ctx, key, file.Name, file.Type)
	if err != nil {
		return fmt.Errorf("sticky: save %s: %w", key, err)
	}
	if err := file.copyTo(ctx, w); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}

// undo deletes what a failed save wrote, then its journal. What cannot be
// deleted stays under the journal, for Recover.
func (p *Permanent) undo(ctx context.Context, jkey string, keys []string) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	for _, k := range keys {
		if p.Vault.Delete(ctx, k) != nil {
			return
		}
	}
	p.Vault.Delete(ctx, jkey)
}

// Recover removes what saves cut short by a crash left in the Vault: the
// files of every save that began more than twice SaveTimeout ago and never
// ended, and their part files. With Recorded set, it also ends the
// journals of the saves that did end, keeping the files of the keys the
// program recorded and removing those of the others. It returns how many
// saves it undid.
// It reads only the journals of unfinished saves, so it is cheap: call it
// when the program starts, and now and then (with the sweep, say). Several
// processes may run it at once.
func (p *Permanent) Recover(ctx context.Context) (removed int, err error) {
	if p.Vault == nil {
		return 0, errNoVault
	}
	before := time.Now().Add(-2 * p.saveTimeout())
	var stale []string
	for jkey, err := range p.Vault.List(ctx, journalDir) {
		if err != nil {
			return 0, fmt.Errorf("sticky: recover: %w", err)
		}
		if t, ok := journalStart(jkey); ok && t.Before(before) {
			stale = append(stale, jkey)
		}
	}
	var errs []error
	for _, jkey := range stale {
		undone, err := p.endJournal(ctx, jkey)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if undone {
			removed++
		}
	}
	return removed, errors.Join(errs...)
}

// endJournal ends the journal jkey: it deletes the keys the journal lists,
// unless Recorded says the program recorded the first, then the journal.
// undone tells whether it deleted the keys. A journal never committed
// lists nothing that was written.
func (p *Permanent) endJournal(ctx context.Context, jkey string) (undone bool, err error) {
	var j journal
	rc, err := p.Vault.Open(ctx, jkey)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return false, fmt.Errorf("sticky: recover %s: %w", jkey, err)
	default:
		err = json.NewDecoder(io.LimitReader(rc, maxJournal)).Decode(&j)
		rc.Close()
		if err != nil {
			return false, fmt.Errorf("sticky: recover %s: %w", jkey, err)
		}
	}
	for _, k := range j.Keys {
		if !fs.ValidPath(k) || k == "." || strings.HasPrefix(k, journalDir+"/") {
			return false, fmt.Errorf("sticky: recover %s: the key %q is not one Save makes", jkey, k)
		}
	}
	keep := false
	if p.Recorded != nil && len(j.Keys) > 0 {
		if keep, err = p.Recorded(ctx, j.Keys[0]); err != nil {
			return false, fmt.Errorf("sticky: recover %s: asking whether %s was recorded: %w", jkey, j.Keys[0], err)
		}
	}
	if !keep {
		for _, k := range j.Keys {
			if err := p.Vault.Delete(ctx, k); err != nil {
				return false, fmt.Errorf("sticky: recover %s: %w", jkey, err)
			}
		}
	}
	if err := p.Vault.Delete(ctx, jkey); err != nil {
		return false, fmt.Errorf("sticky: recover %s: %w", jkey, err)
	}
	return !keep, nil
}
