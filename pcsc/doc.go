// Package pcsc is a thin layer over github.com/ebfe/scard: reader listing
// with card presence, waiting for a card, and a card connection in shared
// mode over T=1 with transactions.
//
// It guards the calls that panic inside ebfe/scard (an empty command, a
// connection in neither T=0 nor T=1, an empty reader-state list) and keeps
// PC/SC errors as scard.Error values wrapped with the failed call, so
// callers test them with errors.Is against the variables below. It knows
// nothing of GCA cards.
package pcsc
