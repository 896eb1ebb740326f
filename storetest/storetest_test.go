package storetest_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/s3"
	"github.com/stickyuploads/sticky/storetest"
	"github.com/tus/tusd/v2/pkg/handler"
)

func TestDiskStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) handler.DataStore {
		store, err := sticky.NewDiskStore(filepath.Join(t.TempDir(), "uploads"))
		if err != nil {
			t.Fatal(err)
		}
		return store
	})
}

func TestS3Store(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	n := 0
	storetest.Run(t, func(t *testing.T) handler.DataStore {
		n++
		store, err := s3.NewStore(t.Context(), s3.Config{
			Bucket: bucket,
			Prefix: fmt.Sprintf("test-%d/", n),
			Client: srv.Client(),
		})
		if err != nil {
			t.Fatal(err)
		}
		return store
	})
}
