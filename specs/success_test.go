package specs_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/client"
)

var _ = Describe("Activation of a valid card", Virtual, Destructive, AreaSuccess, func() {
	It("activates with the user code, then verifies the new PIN and signs [ACT-01] [ACT-02] [VER-01] [KEY-03]", func() {
		card := useCard("valid")
		cl, err := card.Client()
		Expect(err).NotTo(HaveOccurred())

		Expect(cl.Activate(card.Secrets.UserCode, "Pin2468")).To(Succeed())
		Expect(cl.VerifyPIN("Pin2468")).To(Succeed())
		_, err = cl.Sign("Pin2468", []byte("conformance"))
		Expect(err).NotTo(HaveOccurred(), "the signature must verify with the card's signing certificate")

		info, err := cl.Info()
		Expect(err).NotTo(HaveOccurred())
		Expect(cl.Status(info)).To(Equal(client.StatusValid))
	})
})
