package track

// formRoutes are the public form endpoints (owned by the forms work):
// GET /f/{key}, POST /f/{key}, the embed script, the double opt-in link, …
func (s *Server) formRoutes() []route { return nil }
