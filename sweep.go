package sticky

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// Sweep removes the temporary uploads last written longer than Config.TTL
// ago: files chosen but never submitted. Their references have expired, so
// nothing is lost. It needs a store that implements Lister, as the disk and
// S3 stores do, and returns how many uploads it removed.
//
// Several servers may sweep the same store at once: an upload another
// removed first is no error. Sweep goes on past the uploads it cannot
// remove and reports them in err.
func (u *Uploader) Sweep(ctx context.Context) (removed int, err error) {
	began := time.Now()
	removed, err = u.sweepBefore(ctx, u.sign.now().Add(-u.ttl))
	u.observe(ctx, Event{Kind: EventSwept, Removed: removed, Err: err, Duration: time.Since(began)})
	return removed, err
}

func (u *Uploader) sweepBefore(ctx context.Context, t time.Time) (removed int, err error) {
	lister, ok := u.store.(Lister)
	if !ok {
		return 0, fmt.Errorf("sticky: the temporary store (%T) cannot list its uploads, so Sweep cannot expire them; let the storage expire them instead", u.store)
	}
	var errs []error
	for s, err := range lister.UploadsBefore(ctx, t) {
		if err == nil {
			err = u.remove(ctx, s.ID)
		}
		switch {
		case errors.Is(err, handler.ErrNotFound):
		case err != nil:
			errs = append(errs, err)
			if ctx.Err() != nil || len(errs) == 10 {
				return removed, errors.Join(errs...)
			}
		default:
			removed++
		}
	}
	if tidier, ok := u.store.(Tidier); ok {
		n, err := tidier.Tidy(ctx, t)
		removed += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

func (u *Uploader) remove(ctx context.Context, id string) error {
	up, err := u.store.GetUpload(ctx, id)
	if err != nil {
		return err
	}
	if err := u.term.AsTerminatableUpload(up).Terminate(ctx); err != nil {
		return fmt.Errorf("sticky: removing upload %s: %w", id, err)
	}
	return nil
}

// SweepEvery calls Sweep now and then every d until ctx is done, logging
// what it removed and what failed. Run it in its own goroutine:
//
//	go up.SweepEvery(ctx, 10*time.Minute)
//
// It returns at once, after logging why, when the store cannot list its
// uploads or d is not positive.
func (u *Uploader) SweepEvery(ctx context.Context, d time.Duration) {
	if _, ok := u.store.(Lister); !ok {
		_, err := u.Sweep(ctx)
		u.log.Error("sticky: no sweeping", "err", err)
		return
	}
	if d <= 0 {
		u.log.Error("sticky: no sweeping: the interval must be positive", "every", d)
		return
	}
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		removed, err := u.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			u.log.Error("sticky: sweeping the temporary store", "removed", removed, "err", err)
		} else if removed > 0 {
			u.log.Info("sticky: swept abandoned uploads", "removed", removed)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
