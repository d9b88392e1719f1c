package track

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Limits are the public surface's rate limits, per minute: per client
// address and per site (forms: per form). 0 switches a limit off, so that
// a benchmark from loopback is not throttled. Configured by
// RENKEI_TRACK_RATE_IP and RENKEI_TRACK_RATE_SITE.
type Limits struct {
	PerIP   int
	PerSite int
}

// DefaultLimits are the limits when nothing is configured.
var DefaultLimits = Limits{PerIP: 600, PerSite: 60000}

// buckets is a set of token buckets: each key may spend rate tokens per
// minute, with bursts up to rate.
type buckets struct {
	rate  float64 // tokens per minute
	mu    sync.Mutex
	m     map[string]*bucket
	swept time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newBuckets(perMinute int) *buckets {
	return &buckets{rate: float64(perMinute), m: map[string]*bucket{}}
}

// take spends one token of key; when none is left it returns how long to
// wait for the next one.
func (b *buckets) take(key string, now time.Time) (bool, time.Duration) {
	if b == nil || b.rate <= 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	perSec := b.rate / 60
	if now.Sub(b.swept) > time.Minute || len(b.m) > 200000 {
		// Forget buckets that have filled up again: they are as good as new.
		for k, bk := range b.m {
			if bk.tokens+now.Sub(bk.at).Seconds()*perSec >= b.rate {
				delete(b.m, k)
			}
		}
		b.swept = now
	}
	bk := b.m[key]
	if bk == nil {
		bk = &bucket{tokens: b.rate, at: now}
		b.m[key] = bk
	}
	bk.tokens = math.Min(b.rate, bk.tokens+now.Sub(bk.at).Seconds()*perSec)
	bk.at = now
	if bk.tokens < 1 {
		return false, time.Duration((1 - bk.tokens) / perSec * float64(time.Second))
	}
	bk.tokens--
	return true, 0
}

// formPostsPerMinute is how many form submissions (and opt-in
// confirmations) one client address may send per minute when the per-address
// limit is on: each creates or changes a contact and may send e-mail, and a
// post with a registered site's Origin needs no token, so beacons' rate
// would let one script send hundreds of e-mails a minute.
const formPostsPerMinute = 10

// limiter holds the buckets of the limits.
type limiter struct {
	ip     *buckets
	site   *buckets
	post   *buckets // form posts per client address
	bounce *buckets // bounce webhook posts per key
}

func newLimiter(l Limits) *limiter {
	post := 0
	if l.PerIP > 0 {
		post = min(l.PerIP, formPostsPerMinute)
	}
	return &limiter{ip: newBuckets(l.PerIP), site: newBuckets(l.PerSite), post: newBuckets(post), bounce: newBuckets(bounceKeyLimit)}
}

// limitedPost answers 429 when a client address has sent too many form
// posts; it also spends a token of the per-address limit.
func (s *Server) limitedPost(w http.ResponseWriter, ip string) bool {
	if s.limited(w, ip, "") {
		return true
	}
	ok, wait := s.lim.post.take(clientKey(ip), s.now())
	if ok {
		return false
	}
	tooMany(w, wait)
	return true
}

// check spends a token of the client address and one of the key (a site
// key or a form key; "" skips that limit).
func (s *Server) check(ip, key string) (bool, time.Duration) {
	now := s.now()
	if ip != "" {
		if ok, wait := s.lim.ip.take(clientKey(ip), now); !ok {
			return false, wait
		}
	}
	if key != "" {
		if ok, wait := s.lim.site.take(key, now); !ok {
			return false, wait
		}
	}
	return true, 0
}

// clientKey is the rate-limit key of a client address: an IPv4 address
// itself, an IPv6 address's /64 (one subscriber's network; counting single
// addresses would let a client rotate through 2^64 of them).
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() || a.Is4In6() {
		return ip
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}

// allow reports whether one more request from client address ip for key
// (a site key or a form key) is within the rate limits.
func (s *Server) allow(ip, key string) bool {
	ok, _ := s.check(ip, key)
	return ok
}

// limited answers 429 with Retry-After when the request is over a limit.
func (s *Server) limited(w http.ResponseWriter, ip, key string) bool {
	ok, wait := s.check(ip, key)
	if ok {
		return false
	}
	tooMany(w, wait)
	return true
}

func tooMany(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	http.Error(w, "too many requests; try again in a minute", http.StatusTooManyRequests)
}
