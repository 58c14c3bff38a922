// Package docs holds the project's documents. Its test checks that every
// requirement ID of card-profile.md is cited by at least one test.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// requirementID matches an ID in the first column of a requirement table.
var requirementID = regexp.MustCompile(`(?m)^\| ([A-Z]{2,4}-\d{2}) \|`)

func TestEveryRequirementCited(t *testing.T) {
	profile, err := os.ReadFile("card-profile.md")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range requirementID.FindAllStringSubmatch(string(profile), -1) {
		ids = append(ids, m[1])
	}
	if len(ids) < 50 {
		t.Fatalf("found %d requirement IDs in card-profile.md, expected the whole profile", len(ids))
	}

	tests := readTestSources(t, "..")
	for _, id := range ids {
		if !regexp.MustCompile(`\b` + id + `\b`).MatchString(tests) {
			t.Errorf("requirement %s is not cited by any test", id)
		}
	}
}

// readTestSources concatenates every _test.go file of the module except
// this one.
func readTestSources(t *testing.T, root string) string {
	t.Helper()
	var all strings.Builder
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") || filepath.Base(path) == "profile_test.go" {
			return nil
		}
		b, err := os.ReadFile(path)
		all.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return all.String()
}
