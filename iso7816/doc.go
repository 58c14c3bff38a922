// Package iso7816 holds the ISO/IEC 7816-4 types shared by the virtual card
// and the activation client: command APDUs in all four cases (short and
// extended), response APDUs and status words.
//
// It only encodes and decodes. It knows nothing of files, reference data or
// PC/SC, and it never panics on malformed input: parsing returns an error
// that the card maps to status word 6700.
package iso7816
