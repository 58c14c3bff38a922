package stacktest

import "testing"

// gcaBuild is the gca binary that BuildGca built for this test binary,
// shared by all its tests. build's mutex guards it, and Main removes it
// with build.dir.
var gcaBuild struct {
	path string
	err  error
}

// BuildGca builds the gca activation command into the temporary folder of
// BuildGcacard once per test binary and returns the binary's path. The
// test binary's TestMain must call Main, which removes the folder at the
// end.
func BuildGca(t testing.TB) string {
	t.Helper()
	build.Lock()
	defer build.Unlock()
	if !build.mainCalled {
		t.Fatal("BuildGca needs stacktest.Main: add `func TestMain(m *testing.M) { stacktest.Main(m) }` to the package's tests")
	}
	if gcaBuild.path == "" && gcaBuild.err == nil {
		gcaBuild.path, gcaBuild.err = buildCommand("gca")
	}
	if gcaBuild.err != nil {
		t.Fatal(gcaBuild.err)
	}
	return gcaBuild.path
}
