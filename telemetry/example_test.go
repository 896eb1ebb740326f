package telemetry_test

import (
	"log"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/telemetry"
	"go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Metrics for Prometheus, through OpenTelemetry's exporter: sticky's
// counters and histograms appear on /metrics as sticky_uploads_started_total,
// sticky_uploads_refused_total{sticky_reason="type",...},
// sticky_upload_size_bytes and so on.
func Example_prometheus() {
	exporter, err := prometheus.New()
	if err != nil {
		log.Fatal(err)
	}
	obs, err := telemetry.New(sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter)), nil)
	if err != nil {
		log.Fatal(err)
	}
	up, err := sticky.New(sticky.Config{
		Keys:     [][]byte{[]byte(os.Getenv("STICKY_SECRET"))},
		Identity: func(r *http.Request) string { return r.Header.Get("X-User") },
		Observer: obs,
	})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/uploads/", up)
	http.Handle("/metrics", promhttp.Handler())
}
