package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Replies to sales e-mail (issue 8 §6). A salesperson's e-mail sent from
// Renkei (SendEmail) carries a Message-ID that names its activity and is
// signed with the mail secret: rk-act-<activity id>-<mac>@<domain>. A
// reply quotes it in In-Reply-To and References, so when the reply reaches
// the inbound listener (a mailbox rule that redirects replies there), it is
// logged on the contact's timeline. The signature means a made-up
// In-Reply-To cannot write on anyone's timeline.

const salesMessagePrefix = "rk-act-"

// salesMessageID returns the Message-ID (without <>) of the e-mail of an
// activity. domain is the part after @ (the workspace's mail domain).
func salesMessageID(secret []byte, activityID int64, domain string) string {
	if domain == "" {
		domain = "renkei.invalid"
	}
	return fmt.Sprintf("%s%d-%s@%s", salesMessagePrefix, activityID, salesMAC(secret, activityID), domain)
}

func salesMAC(secret []byte, activityID int64) string {
	h := hmac.New(sha256.New, secret)
	fmt.Fprintf(h, "sales-message-id:%d", activityID)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// salesActivityOf returns the activity a Message-ID of a sales e-mail
// names, or 0 when it is not one of ours or its signature is wrong.
func salesActivityOf(secret []byte, ref string) int64 {
	local, _, ok := strings.Cut(strings.Trim(strings.TrimSpace(ref), "<>"), "@")
	if !ok {
		return 0
	}
	rest, ok := strings.CutPrefix(local, salesMessagePrefix)
	if !ok {
		return 0
	}
	idText, mac, ok := strings.Cut(rest, "-")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id <= 0 || !hmac.Equal([]byte(mac), []byte(salesMAC(secret, id))) {
		return 0
	}
	return id
}

// mailDomain is the domain of an address ("" without one).
func mailDomain(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}
