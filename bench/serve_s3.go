package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/s3"
)

// The keys of the benchmark's versitygw, which listens on 127.0.0.1 only
// for the length of a run.
const (
	benchS3Access = "sticky-bench"
	benchS3Secret = "sticky-bench-secret-not-secret"
	benchS3Region = "us-east-1"
)

// s3Client is an S3 client of the benchmark's versitygw at endpoint,
// signing every request with the body's SHA-256 and adding no checksums of
// its own, as sticky's tests and versitygw expect.
func s3Client(endpoint string, hc *http.Client) *awss3.Client {
	o := awss3.Options{
		Region:                     benchS3Region,
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(benchS3Access, benchS3Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if hc != nil {
		o.HTTPClient = hc
	}
	return awss3.New(o)
}

// stickyS3Server is sticky's Uploader mounted at /uploads/ with its
// temporary uploads in an S3 bucket (package sticky/s3) and direct uploads
// on: the one-shot endpoint and tus carry the bytes through the app to the
// bucket, the direct routes let the client put them there itself.
func stickyS3Server(cfg serveConfig) (http.Handler, error) {
	if cfg.endpoint == "" || cfg.bucket == "" {
		return nil, errors.New("-s3-endpoint and -s3-bucket are required")
	}
	store, err := s3.NewStore(context.Background(), s3.Config{
		Bucket:  cfg.bucket,
		Client:  s3Client(cfg.endpoint, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}}),
		PartDir: cfg.dir,
	})
	if err != nil {
		return nil, err
	}
	return stickyMux(sticky.Config{Store: store, Locker: store.Locker(), Direct: true})
}

// cpuPath is where every server of ours tells the CPU time it has used.
const cpuPath = "/_bench/cpu"

// cpuReply is the answer at cpuPath.
type cpuReply struct {
	// CPU is the process's user and system time so far, in nanoseconds,
	// from getrusage(RUSAGE_SELF): every thread's, at the kernel's
	// scheduler precision.
	CPU int64 `json:"cpu_ns"`
}

// serveCPU answers the process's CPU time so far.
func serveCPU(w http.ResponseWriter, r *http.Request) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(cpuReply{CPU: int64(cpu)})
}
