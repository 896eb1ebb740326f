package sticky

import (
	"context"
	"sync"

	"github.com/tus/tusd/v2/pkg/handler"
)

// gatedLocker wraps the locker of resumable uploads so that a request
// asked to let go of its upload (another request for it is waiting) is
// told so only once its PATCH has begun writing, or when it ends.
//
// tusd v2.10.0 answers such a request by cancelling the holder's context,
// and a goroutine then reads the holder's request body, which the holder's
// PATCH sets without synchronisation: a data race whenever the release
// comes while the PATCH starts. Passed on from the holder's own goroutine,
// after the body is set, the request is the same and the race is gone.
type gatedLocker struct{ handler.Locker }

func (l gatedLocker) NewLock(id string) (handler.Lock, error) {
	lock, err := l.Locker.NewLock(id)
	if err != nil {
		return nil, err
	}
	return &gatedLock{inner: lock}, nil
}

// gatedLock holds back a release request until its request has armed it.
type gatedLock struct {
	inner handler.Lock

	mu      sync.Mutex
	armed   bool   // the holder writes, or is done: release requests go through
	pending bool   // a release was asked before the gate was armed
	release func() // tusd's request to let go
}

func (g *gatedLock) Lock(ctx context.Context, requestRelease func()) error {
	g.mu.Lock()
	g.release = requestRelease
	g.mu.Unlock()
	if req := requestOf(ctx); req != nil {
		req.gates = append(req.gates, g)
	} else {
		g.arm() // not a request of sticky's: pass releases on as they come
	}
	return g.inner.Lock(ctx, g.ask)
}

func (g *gatedLock) Unlock() error { return g.inner.Unlock() }

// ask is the release request of a waiting request.
func (g *gatedLock) ask() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.armed {
		g.release()
		return
	}
	g.pending = true
}

// arm lets release requests through, passing on one that waited.
func (g *gatedLock) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed = true
	if g.pending {
		g.pending = false
		g.release()
	}
}

// armGates arms the locks a request holds: its PATCH writes now, or it is
// done.
func (req *tusRequest) armGates() {
	for _, g := range req.gates {
		g.arm()
	}
}
