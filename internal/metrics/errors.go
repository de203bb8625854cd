package metrics

import "errors"

var (
	// ErrBuckets means a histogram's bucket layout is impossible: bounds
	// not positive and increasing, or no bucket per decade.
	ErrBuckets = errors.New("metrics: bad histogram buckets")

	// ErrName means a metric or label name is not one Prometheus accepts
	// ([a-zA-Z_:][a-zA-Z0-9_:]* for metrics, no colon for labels).
	ErrName = errors.New("metrics: bad metric or label name")
)
