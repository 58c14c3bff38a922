package client_test

import (
	"bytes"
	"fmt"
	"testing"

	"gcacard/emulator"
	"gcacard/iso7816"
	"gcacard/pcsc"
)

// isSigningCertRead reports whether cmd reads EF 08F2 at or after the
// signing certificate's offset.
func isSigningCertRead(cmd iso7816.Command) bool {
	return cmd.INS == insReadBinary && int(cmd.P1)<<8|int(cmd.P2) >= emulator.CertOffsetSigning
}

// TestInfoDiscardsPartialCertificate removes the card at each READ BINARY
// of the signing certificate in turn. Info returns no information and the
// removal error, and the next Info on the same client reads the
// certificate again from its header at offset 1500.
func TestInfoDiscardsPartialCertificate(t *testing.T) {
	tc := openCard(t, "activated")
	plain, prt := tc.client()
	want, err := plain.Info()
	if err != nil {
		t.Fatalf("Info without removal: %v", err)
	}
	reads := 0
	for _, e := range prt.records() {
		if isSigningCertRead(e.command) {
			reads++
		}
	}
	if reads < 2 {
		t.Fatalf("the signing certificate took %d READ BINARY commands, want at least 2 to cut one in the middle", reads)
	}

	for failAt := 1; failAt <= reads; failAt++ {
		t.Run(fmt.Sprintf("removed at read %d of %d", failAt, reads), func(t *testing.T) {
			c, rt := tc.client()
			seen := 0
			rt.script = func(cmd iso7816.Command) *reply {
				if !isSigningCertRead(cmd) {
					return nil
				}
				seen++
				if seen == failAt {
					return fail(pcsc.ErrRemoved)
				}
				return nil
			}

			info, err := c.Info()

			if info != nil {
				t.Errorf("Info returned %+v with the card removed mid-read, want nil", info)
			}
			wantErrorIs(pcsc.ErrRemoved)(t, err)

			rt.script = nil
			before := rt.total()
			again, err := c.Info()
			if err != nil {
				t.Fatalf("Info after the card came back: %v", err)
			}
			if !bytes.Equal(again.SigningCert.Raw, want.SigningCert.Raw) {
				t.Errorf("signing certificate read again differs from the one read without removal")
			}
			for _, e := range rt.records()[before:] {
				if !isSigningCertRead(e.command) {
					continue
				}
				if e.command.P1 != 0x15 || e.command.P2 != 0x00 || e.command.Ne != 4 {
					t.Errorf("the reread starts with READ BINARY %02X%02X Ne %d, want the header: offset 1500, Ne 4",
						e.command.P1, e.command.P2, e.command.Ne)
				}
				break
			}
		})
	}
}
