package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"gcacard/fixtures"
)

// runProfiles lists the built-in profiles without their secrets.
func runProfiles(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return fail(exitUsage, "profiles takes no arguments, got %q", args)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tCARD NUMBER\tLIFECYCLE\tISSUED\tDESCRIPTION")
	for _, p := range fixtures.List() {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.CardNumber, p.Lifecycle, p.Issued, p.Description)
	}
	return w.Flush()
}
