// Package mattest checks, for the tests of packages that use gocv, that no
// Mat outlives them. gocv counts the Mats alive when built with
// -tags matprofile; without the tag the count is always zero.
package mattest
