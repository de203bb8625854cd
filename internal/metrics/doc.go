// Package metrics measures the live pipeline for its stages' Stats and for
// the /metrics endpoint, with no dependency.
//
// # Histograms
//
// A Histogram counts values (latencies, in seconds) in fixed buckets,
// log-spaced so that one histogram resolves 100 µs and 10 s alike to a few
// per cent. Observe is a binary search and three atomic operations: safe
// from any goroutine, allocation-free, cheap enough for every frame of
// every camera. Snapshot copies the counts for reading (Quantile, Mean)
// and allocates; call it from the reporting side, not per frame.
//
// A quantile read from buckets is an estimate: within its bucket the value
// is interpolated on the log scale, so its error is at most one bucket's
// width (a factor of 10^(1/perDecade)); it never exceeds the largest value
// observed.
//
// # Prometheus
//
// WriteProm, WriteCounter and WriteGauge write the Prometheus text
// exposition format (version 0.0.4): one metric family per name, with a
// HELP and TYPE header when help is given. To write one family under
// several label sets (a histogram per camera), give help with the first
// and leave it empty for the rest, so the header appears once.
package metrics
