package s3

import "github.com/tus/tusd/v2/pkg/handler"

// Die stops a held lock's renewals without letting it go, as when its
// server dies. Calling wake afterwards is as if the server woke up: the
// lock's Unlock then tries to remove the lock object again.
func Die(l handler.Lock) (wake func()) {
	k := l.(*lock)
	k.mu.Lock()
	close(k.stop)
	done := k.done
	k.mu.Unlock()
	<-done
	return func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.stop = make(chan struct{})
		k.done = make(chan struct{})
		close(k.done)
	}
}

// SetCopyLimits sets the largest object one CopyObject copies and the
// size of a multipart copy's parts, until the test ends.
func SetCopyLimits(t interface{ Cleanup(func()) }, whole, part int64) {
	oldWhole, oldPart := maxCopyObject, copyPart
	maxCopyObject, copyPart = whole, part
	t.Cleanup(func() { maxCopyObject, copyPart = oldWhole, oldPart })
}
