package track

// trackingRoutes are the tracker script and the beacon (owned by the
// web-tracking work): GET /t.js, POST /t/e, …
func (s *Server) trackingRoutes() []route { return nil }
