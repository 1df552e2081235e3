//go:build !unix

package web

// processCPUSeconds has no portable source outside Unix; /metrics then
// leaves process_cpu_seconds_total out rather than report a wrong figure.
func processCPUSeconds() (float64, bool) { return 0, false }
