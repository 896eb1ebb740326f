package clamav_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/clamav"
)

// Scan every upload before it is kept, quarantining what clamd flags.
func ExampleScanner() {
	quarantine, err := os.OpenRoot("/var/lib/myapp/quarantine")
	if err != nil {
		log.Fatal(err)
	}
	scanner := &clamav.Scanner{
		Addr:            "/run/clamav/clamd.ctl", // or "127.0.0.1:3310"
		StreamMaxLength: 100 << 20,               // as in clamd.conf
		Quarantine:      quarantine,
	}
	up, err := sticky.New(sticky.Config{
		Keys:       [][]byte{[]byte(os.Getenv("STICKY_SECRET"))},
		Identity:   signedInUser,
		MaxSize:    100 << 20,
		Processors: []sticky.Processor{scanner}, // first: before thumbnails
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = up
}

// A health check: is clamd there, and which version?
func ExampleScanner_Version() {
	scanner := &clamav.Scanner{Addr: "/run/clamav/clamd.ctl"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := scanner.Ping(ctx); err != nil {
		log.Printf("virus scanning is down: %v", err)
		return
	}
	v, err := scanner.Version(ctx)
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println("scanning with", v) // scanning with ClamAV 1.4.6/27480/...
}

// signedInUser is the application's: the id of the user signed in on r.
func signedInUser(r *http.Request) string { return "" }
