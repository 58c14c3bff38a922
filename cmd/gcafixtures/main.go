// Command gcafixtures regenerates the test key material of the fixtures
// package: the root and issuing test CAs, and for every card profile in
// fixtures/cards the SIGN and KEYX holder keys and the card-management key.
//
// Run it from the repository root:
//
//	go run ./cmd/gcafixtures
//
// It overwrites the files under fixtures/ca and fixtures/keys, so every
// certificate built afterwards differs from before. It never changes the
// profiles themselves, and it never prints a key. Everything it writes is
// public test material that nothing may trust.
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	dir := flag.String("dir", "fixtures", "fixtures folder to write into; it must contain the cards folder")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "gcafixtures: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if err := run(*dir); err != nil {
		fmt.Fprintf(os.Stderr, "gcafixtures: %v\n", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	names, err := cardNames(dir)
	if err != nil {
		return err
	}

	// Generate everything before writing anything, so a failure leaves the
	// old files in place.
	files, err := generateCA(rand.Reader)
	if err != nil {
		return err
	}
	for _, name := range names {
		cardFiles, err := generateCardKeys(rand.Reader, name)
		if err != nil {
			return fmt.Errorf("card %s: %w", name, err)
		}
		files = append(files, cardFiles...)
	}

	for _, f := range files {
		full := filepath.Join(dir, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("creating folder for %s: %w", full, err)
		}
		if err := os.WriteFile(full, f.data, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", full, err)
		}
		fmt.Println("wrote", full)
	}

	warnOrphanKeys(dir, names)
	return nil
}

// cardNames returns the names of the profiles in dir/cards.
func cardNames(dir string) ([]string, error) {
	cards := filepath.Join(dir, "cards")
	matches, err := filepath.Glob(filepath.Join(cards, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("no card profiles in %s: run from the repository root or set -dir", cards)
	}
	names := make([]string, len(matches))
	for i, m := range matches {
		names[i] = strings.TrimSuffix(filepath.Base(m), ".json")
	}
	slices.Sort(names)
	return names, nil
}

// warnOrphanKeys reports key folders that no profile uses. It deletes
// nothing.
func warnOrphanKeys(dir string, names []string) {
	entries, err := os.ReadDir(filepath.Join(dir, "keys"))
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type()&fs.ModeType == fs.ModeDir && !slices.Contains(names, e.Name()) {
			fmt.Fprintf(os.Stderr, "gcafixtures: %s has no profile in cards; delete it if it is unused\n",
				filepath.Join(dir, "keys", e.Name()))
		}
	}
}
