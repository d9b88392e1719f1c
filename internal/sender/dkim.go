package sender

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/emersion/go-msgauth/dkim"
)

// SignedHeaders are the header fields every DKIM signature covers: the
// author, the subject, the date, the id and both unsubscribe headers, so
// a relay cannot swap the unsubscribe link (RFC 8058 §4).
var SignedHeaders = []string{"From", "Sender", "To", "Subject", "Date", "Message-ID",
	"List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version", "Content-Type"}

// Signer signs messages with one domain's DKIM key.
type Signer struct {
	opts dkim.SignOptions
}

// NewSigner parses an RSA private key (PKCS#1 or PKCS#8 PEM) for domain
// and selector.
func NewSigner(domain, selector, keyPEM string) (*Signer, error) {
	key, err := ParseKey(keyPEM)
	if err != nil {
		return nil, err
	}
	return &Signer{opts: dkim.SignOptions{
		Domain: domain, Selector: selector, Signer: key, Hash: crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             SignedHeaders,
	}}, nil
}

// Sign returns the message with a DKIM-Signature header in front.
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(msg) + 600)
	opts := s.opts
	if err := dkim.Sign(&out, bytes.NewReader(msg), &opts); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// ParseKey reads an RSA private key of at least 1024 bits.
func ParseKey(keyPEM string) (*rsa.PrivateKey, error) {
	blk, _ := pem.Decode([]byte(keyPEM))
	if blk == nil {
		return nil, errors.New("paste the private key in PEM form (-----BEGIN PRIVATE KEY-----)")
	}
	var key *rsa.PrivateKey
	if k, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err == nil {
		key = k
	} else if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("use an RSA key")
		}
		key = rk
	} else {
		return nil, errors.New("paste the private key in PEM form (-----BEGIN PRIVATE KEY-----)")
	}
	if key.N.BitLen() < 1024 {
		return nil, errors.New("use an RSA key of at least 1024 bits (2048 recommended)")
	}
	return key, nil
}

// GenerateKey makes a new RSA-2048 key and returns it in PKCS#8 PEM.
func GenerateKey() (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// DNSRecord returns the TXT record to publish at selector._domainkey.domain.
func DNSRecord(keyPEM string) (string, error) {
	key, err := ParseKey(keyPEM)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("v=DKIM1; k=rsa; p=%s", base64.StdEncoding.EncodeToString(der)), nil
}
