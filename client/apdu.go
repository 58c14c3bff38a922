package client

import (
	"fmt"

	"gcacard/iso7816"
)

// maxGetResponse bounds the GET RESPONSE loop, so a card that keeps
// returning 61XX cannot hold the client forever.
const maxGetResponse = 300

// exchange sends one command and parses the response, without any resend.
// Use it for every command that may use a try.
func (c *Client) exchange(cmd iso7816.Command) (iso7816.Response, error) {
	raw, err := cmd.Bytes()
	if err != nil {
		return iso7816.Response{}, err
	}
	out, err := c.transport.Transmit(raw)
	if err != nil {
		return iso7816.Response{}, err
	}
	if c.trace != nil {
		c.trace(raw, out)
	}
	resp, err := iso7816.ParseResponse(out)
	if err != nil {
		return iso7816.Response{}, fmt.Errorf("INS %02X: %w", cmd.INS, err)
	}
	return resp, nil
}

// read sends a command that only reads, resending it once with the Le of
// a 6CXX and collecting 61XX data with GET RESPONSE.
func (c *Client) read(cmd iso7816.Command) (iso7816.Response, error) {
	resp, err := c.exchange(cmd)
	if err != nil {
		return resp, err
	}
	if ne, ok := resp.SW.IsWrongLe(); ok {
		cmd.Ne = ne
		if resp, err = c.exchange(cmd); err != nil {
			return resp, err
		}
	}
	return c.collect(resp)
}

// collect follows 61XX with GET RESPONSE until the card returns another
// status word.
func (c *Client) collect(resp iso7816.Response) (iso7816.Response, error) {
	data := append([]byte(nil), resp.Data...)
	for i := 0; i < maxGetResponse; i++ {
		n, ok := resp.SW.IsBytesAvailable()
		if !ok {
			resp.Data = data
			return resp, nil
		}
		var err error
		resp, err = c.exchange(iso7816.Command{INS: 0xC0, Ne: n})
		if err != nil {
			return resp, err
		}
		data = append(data, resp.Data...)
	}
	return resp, fmt.Errorf("card still returned 61XX after %d GET RESPONSE commands", maxGetResponse)
}
