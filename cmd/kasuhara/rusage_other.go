//go:build !unix

package main

import (
	"os"
	"time"
)

// processCPU and peakRSSKiB have no portable source outside Unix: the
// benchmarks then print 0 for them rather than a wrong figure.
func processCPU() time.Duration { return 0 }

func peakRSSKiB(*os.ProcessState) int64 { return 0 }
