package bench

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Count writes n with the noun, in the singular for one and with an "s"
// otherwise, such as "1 round" and "5 rounds". It suits the regular nouns
// of the report only.
func Count(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// DisplayPath writes path for the report without the machine's folders:
// relative to repo when path is inside it, such as
// reports/bench/conformance, and otherwise as outside under placeholder,
// such as OUT/conformance. Both repo and path must be absolute.
func DisplayPath(repo, path, placeholder string) string {
	rel, err := filepath.Rel(repo, path)
	if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return placeholder
}
