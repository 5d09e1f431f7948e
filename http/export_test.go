package http

import "time"

// SetSignInClock makes the server's sign-in throttle read the time from now.
func SetSignInClock(s *Server, now func() time.Time) { s.signIns.now = now }
