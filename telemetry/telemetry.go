// Package telemetry reports what becomes of sticky's uploads to
// OpenTelemetry: metrics for uploads started, completed and refused (by
// reason), their bytes, durations and processing time, and sweeps; a span
// for each upload and sweep; and the same as slog records, with the same
// attribute names.
//
//	obs, err := telemetry.New(meterProvider, tracerProvider)
//	up, err := sticky.New(sticky.Config{..., Observer: obs})
//
// It is a package of its own so that an app without OpenTelemetry does
// not compile it.
package telemetry

import (
	"context"
	"log/slog"
	"time"

	"github.com/stickyuploads/sticky"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// The attribute names of every metric, span and log record.
const (
	AttrWay    = "sticky.way"    // "oneshot", "form", "tus", "fine", "direct"
	AttrField  = "sticky.field"  // the sticky field
	AttrReason = "sticky.reason" // why a file was refused (sticky.Reason)
	AttrSize   = "sticky.size"   // bytes
	AttrType   = "sticky.type"   // the file's type, judged from its bytes
)

// The metrics.
const (
	MetricStarted    = "sticky.uploads.started"   // counter: files admitted
	MetricCompleted  = "sticky.uploads.completed" // counter: files kept in the temporary store
	MetricRefused    = "sticky.uploads.refused"   // counter: files refused, by sticky.reason
	MetricBytes      = "sticky.upload.size"       // histogram, By: a completed file's size
	MetricDuration   = "sticky.upload.duration"   // histogram, s: the request that completed a file
	MetricProcessing = "sticky.upload.processing" // histogram, s: the processors' time
	MetricSwept      = "sticky.sweep.removed"     // counter: uploads a sweep removed
	MetricSweeps     = "sticky.sweep.duration"    // histogram, s: each sweep
)

const scope = "github.com/stickyuploads/sticky/telemetry"

// observer records sticky's events as metrics and spans.
type observer struct {
	tracer                              trace.Tracer
	started, completed, refused, swept  metric.Int64Counter
	size                                metric.Int64Histogram
	duration, processing, sweepDuration metric.Float64Histogram
}

// New returns an Observer, for sticky.Config.Observer, that records
// metrics with mp and spans with tp. A nil provider means OpenTelemetry's
// global one.
func New(mp metric.MeterProvider, tp trace.TracerProvider) (sticky.Observer, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	m := mp.Meter(scope)
	o := &observer{tracer: tp.Tracer(scope)}
	var err error
	counter := func(name, desc string) metric.Int64Counter {
		c, e := m.Int64Counter(name, metric.WithDescription(desc), metric.WithUnit("{file}"))
		err = firstErr(err, e)
		return c
	}
	seconds := func(name, desc string) metric.Float64Histogram {
		h, e := m.Float64Histogram(name, metric.WithDescription(desc), metric.WithUnit("s"))
		err = firstErr(err, e)
		return h
	}
	o.started = counter(MetricStarted, "Files admitted, before their bytes move.")
	o.completed = counter(MetricCompleted, "Files kept in the temporary store, processed, their reference signed.")
	o.refused = counter(MetricRefused, "Files, or requests for one, refused; by sticky.reason.")
	var e error
	o.swept, e = m.Int64Counter(MetricSwept, metric.WithDescription("Abandoned uploads removed by the sweep."), metric.WithUnit("{upload}"))
	err = firstErr(err, e)
	o.size, e = m.Int64Histogram(MetricBytes, metric.WithDescription("The size of each completed file."), metric.WithUnit("By"))
	err = firstErr(err, e)
	o.duration = seconds(MetricDuration, "The time of the request that completed each file.")
	o.processing = seconds(MetricProcessing, "The processors' time for each file.")
	o.sweepDuration = seconds(MetricSweeps, "The time of each sweep.")
	if err != nil {
		return nil, err
	}
	return o, nil
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// Attrs are the attributes of an event, as the metrics, spans and log
// records carry them.
func Attrs(e sticky.Event) []attribute.KeyValue {
	var kv []attribute.KeyValue
	if e.Way != "" {
		kv = append(kv, attribute.String(AttrWay, e.Way))
	}
	if e.Field != "" {
		kv = append(kv, attribute.String(AttrField, e.Field))
	}
	if e.Kind == sticky.EventRefused {
		kv = append(kv, attribute.String(AttrReason, e.Reason))
	}
	return kv
}

// Observe implements sticky.Observer.
func (o *observer) Observe(ctx context.Context, e sticky.Event) {
	attrs := metric.WithAttributes(Attrs(e)...)
	switch e.Kind {
	case sticky.EventStarted:
		o.started.Add(ctx, 1, attrs)
	case sticky.EventCompleted:
		o.completed.Add(ctx, 1, attrs)
		o.size.Record(ctx, e.Size, attrs)
		o.duration.Record(ctx, e.Duration.Seconds(), attrs)
		o.processing.Record(ctx, e.Processing.Seconds(), attrs)
		o.span(ctx, "sticky.upload", e, append(Attrs(e), attribute.Int64(AttrSize, e.Size), attribute.String(AttrType, e.Type)))
	case sticky.EventRefused:
		o.refused.Add(ctx, 1, attrs)
		o.span(ctx, "sticky.upload", e, Attrs(e))
	case sticky.EventSwept:
		o.swept.Add(ctx, int64(e.Removed))
		o.sweepDuration.Record(ctx, e.Duration.Seconds())
		o.span(ctx, "sticky.sweep", e, []attribute.KeyValue{attribute.Int("sticky.removed", e.Removed)})
	}
}

// span records what e tells as a span that ended now and began e.Duration
// ago, a child of the request's span if there is one.
func (o *observer) span(ctx context.Context, name string, e sticky.Event, attrs []attribute.KeyValue) {
	end := time.Now()
	_, span := o.tracer.Start(ctx, name, trace.WithTimestamp(end.Add(-e.Duration)), trace.WithAttributes(attrs...))
	if e.Err != nil {
		span.RecordError(e.Err)
		span.SetStatus(codes.Error, e.Err.Error())
	}
	span.End(trace.WithTimestamp(end))
}

// Log returns an Observer that writes each event to l, with the attribute
// names of the metrics and spans: refusals and failed sweeps at Warn, the
// rest at Debug.
func Log(l *slog.Logger) sticky.Observer {
	return sticky.ObserverFunc(func(ctx context.Context, e sticky.Event) {
		level := slog.LevelDebug
		args := []any{slog.String("event", e.Kind.String())}
		for _, kv := range Attrs(e) {
			args = append(args, slog.String(string(kv.Key), kv.Value.AsString()))
		}
		switch e.Kind {
		case sticky.EventCompleted:
			args = append(args, slog.Int64(AttrSize, e.Size), slog.String(AttrType, e.Type),
				slog.Duration("duration", e.Duration), slog.Duration("processing", e.Processing))
		case sticky.EventSwept:
			args = append(args, slog.Int("sticky.removed", e.Removed), slog.Duration("duration", e.Duration))
		}
		if e.Err != nil {
			level = slog.LevelWarn
			args = append(args, slog.Any("err", e.Err))
		}
		l.Log(ctx, level, "sticky: "+e.Kind.String(), args...)
	})
}

// Tee returns an Observer that tells each of obs in turn.
func Tee(obs ...sticky.Observer) sticky.Observer {
	return sticky.ObserverFunc(func(ctx context.Context, e sticky.Event) {
		for _, o := range obs {
			o.Observe(ctx, e)
		}
	})
}
