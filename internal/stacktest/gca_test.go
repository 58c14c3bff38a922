package stacktest

import (
	"os"
	"path/filepath"
	"testing"
)

// BuildGca builds one binary per test binary, in the same folder as
// BuildGcacard's.
func TestBuildGcaOnce(t *testing.T) {
	first := BuildGca(t)
	second := BuildGca(t)
	if first != second {
		t.Errorf("BuildGca returned %s, then %s", first, second)
	}
	if fi, err := os.Stat(first); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("%s is not an executable file: %v", first, err)
	}
	if filepath.Base(first) != "gca" {
		t.Errorf("binary is named %s, want gca", filepath.Base(first))
	}
	if gcacard := BuildGcacard(t); filepath.Dir(gcacard) != filepath.Dir(first) {
		t.Errorf("gca is in %s and gcacard in %s, want one folder that Main removes", filepath.Dir(first), filepath.Dir(gcacard))
	}
}
