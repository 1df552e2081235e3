// Command genmorphs writes detect/morphs.bin, the part of speech, imperative
// flag and base form of every word of the kagome IPA dictionary, which the
// detector embeds instead of keeping the dictionary's contents in memory.
// Run it after upgrading kagome-dict.
//
//	go run ./detect/cmd/genmorphs
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/kasuhara/kasuhara/detect"
)

func main() {
	out := flag.String("o", "detect/morphs.bin", "output file")
	flag.Parse()
	b, err := detect.BuildMorphs(ipa.Dict())
	if err != nil {
		fmt.Fprintln(os.Stderr, "genmorphs:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "genmorphs:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s (%d bytes)\n", *out, len(b))
}
