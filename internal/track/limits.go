package track

// Limits are the public surface's limits, configurable so that a benchmark
// from loopback is not throttled (owned by the web-tracking work, which
// fills in the fields, their configuration and their tests).
type Limits struct{}

// allow reports whether one more request from client address ip for key
// (a site key or a form key) is within the rate limits. Owned by the
// web-tracking work; this is the agreed signature.
func (s *Server) allow(ip, key string) bool { return true }
