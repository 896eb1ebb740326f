package telemetry_test

import (
	"bytes"
	"context"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/storetest"
	"github.com/stickyuploads/sticky/telemetry"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func upload(t *testing.T, site *storetest.Site, field, name, body string) int {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("field", field)
	w, _ := mw.CreateFormFile("upload", name)
	w.Write([]byte(body))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, site.URL, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// sums returns each counter's total by its attributes, "name{k=v,...}".
func sums(t *testing.T, reader *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[m.Name+"{"+p.Attributes.Encoded(attribute.DefaultEncoder())+"}"] += p.Value
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					out[m.Name+".count{"+p.Attributes.Encoded(attribute.DefaultEncoder())+"}"] += int64(p.Count)
					out[m.Name+".sum{"+p.Attributes.Encoded(attribute.DefaultEncoder())+"}"] += p.Sum
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[m.Name+".count{"+p.Attributes.Encoded(attribute.DefaultEncoder())+"}"] += int64(p.Count)
				}
			}
		}
	}
	return out
}

func TestMetricsAndSpans(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	obs, err := telemetry.New(mp, tp)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	site := storetest.NewSite(t, sticky.Config{
		Observer: telemetry.Tee(obs, telemetry.Log(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))),
		Fields:   map[string]sticky.Rules{"photo": {Accept: []string{"image/*"}}, "doc": {}},
	})
	for range 2 {
		if s := upload(t, site, "doc", "a.txt", "twelve bytes"); s != 200 {
			t.Fatalf("upload: %d", s)
		}
	}
	if s := upload(t, site, "photo", "a.txt", "not a photo"); s != http.StatusUnsupportedMediaType {
		t.Fatalf("refused upload: %d", s)
	}
	if _, err := site.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := sums(t, reader)
	for k, want := range map[string]int64{
		"sticky.uploads.started{sticky.field=doc,sticky.way=oneshot}":                      2,
		"sticky.uploads.started{sticky.field=photo,sticky.way=oneshot}":                    1,
		"sticky.uploads.completed{sticky.field=doc,sticky.way=oneshot}":                    2,
		"sticky.uploads.refused{sticky.field=photo,sticky.reason=type,sticky.way=oneshot}": 1,
		"sticky.upload.size.count{sticky.field=doc,sticky.way=oneshot}":                    2,
		"sticky.upload.size.sum{sticky.field=doc,sticky.way=oneshot}":                      24,
		"sticky.upload.duration.count{sticky.field=doc,sticky.way=oneshot}":                2,
		"sticky.upload.processing.count{sticky.field=doc,sticky.way=oneshot}":              2,
		"sticky.sweep.duration.count{}":                                                    1,
	} {
		if got[k] != want {
			t.Errorf("%s = %d, want %d", k, got[k], want)
		}
	}
	if t.Failed() {
		t.Logf("all: %v", got)
	}
	var names []string
	for _, s := range spans.Ended() {
		names = append(names, s.Name()+":"+s.Status().Code.String())
	}
	if strings.Join(names, " ") != "sticky.upload:Unset sticky.upload:Unset sticky.upload:Error sticky.sweep:Unset" {
		t.Errorf("spans %q", names)
	}
	for _, want := range []string{"sticky.way=oneshot", "sticky.field=doc", "sticky.reason=type", "sticky.size=12", "event=swept"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log has no %q:\n%s", want, logs.String())
		}
	}
}

// Through OpenTelemetry's Prometheus exporter, the metrics reach /metrics.
func TestPrometheus(t *testing.T) {
	reg := promclient.NewRegistry()
	exporter, err := prometheus.New(prometheus.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	obs, err := telemetry.New(sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter)), nil)
	if err != nil {
		t.Fatal(err)
	}
	site := storetest.NewSite(t, sticky.Config{Observer: obs})
	if s := upload(t, site, "doc", "a.txt", "counted"); s != 200 {
		t.Fatalf("upload: %d", s)
	}
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`sticky_uploads_completed_total{`, `sticky_way="oneshot"`, `sticky_upload_size_bytes_sum{`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics has no %s:\n%s", want, rec.Body.String())
		}
	}
}
