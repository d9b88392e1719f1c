// Package mailtoken signs the links that marketing e-mail carries: the
// unsubscribe link (and the one-click POST of RFC 8058), the open pixel and
// each click link. A token names the message and the recipient and carries
// an HMAC-SHA256 of them (and, for a click, of the target URL) under a
// server secret, so it cannot be guessed, moved to another recipient or
// pointed at another address.
package mailtoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
)

// Kind is what a token is for; a token of one kind is refused as another.
type Kind byte

// The kinds of link.
const (
	Unsubscribe Kind = 'u'
	Open        Kind = 'o'
	Click       Kind = 'c'
	// Survey is a personal survey link: the "message" is the survey id.
	Survey Kind = 's'
)

// macSize is the length of the kept HMAC: 128 bits.
const macSize = 16

// Sign returns the token of a link. extra is bound into the signature (the
// target URL of a click link; "" otherwise).
func Sign(secret []byte, k Kind, messageID, contactID int64, extra string) string {
	b := make([]byte, 0, 2*binary.MaxVarintLen64+macSize)
	b = binary.AppendUvarint(b, uint64(messageID))
	b = binary.AppendUvarint(b, uint64(contactID))
	b = append(b, mac(secret, k, b, extra)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Verify checks a token and returns the message and recipient it names.
func Verify(secret []byte, k Kind, token, extra string) (messageID, contactID int64, ok bool) {
	if len(token) > 64 {
		return 0, 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) <= macSize {
		return 0, 0, false
	}
	payload, sum := b[:len(b)-macSize], b[len(b)-macSize:]
	m, n := binary.Uvarint(payload)
	if n <= 0 {
		return 0, 0, false
	}
	c, n2 := binary.Uvarint(payload[n:])
	if n2 <= 0 || n+n2 != len(payload) || m > 1<<62 || c > 1<<62 {
		return 0, 0, false
	}
	if !hmac.Equal(sum, mac(secret, k, payload, extra)) {
		return 0, 0, false
	}
	return int64(m), int64(c), true
}

func mac(secret []byte, k Kind, payload []byte, extra string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte{byte(k)})
	h.Write(payload)
	h.Write([]byte(extra))
	return h.Sum(nil)[:macSize]
}

// Paths of the public endpoints that take the tokens.
func UnsubscribePath(token string) string { return "/e/u/" + token }
func OpenPath(token string) string        { return "/e/o/" + token + ".gif" }
func ClickPath(token string) string       { return "/e/c/" + token }
