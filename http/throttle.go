package http

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/barter-clearing/barter"
)

// Tokens are 256 random bits, so guessing one is hopeless; still, a client that keeps
// presenting wrong ones is made to wait, so that the sign-in cannot be hammered. Clients
// are told apart by the address the connection comes from; behind a reverse proxy
// (Server.BehindProxy), by the address the proxy appended to X-Forwarded-For, the last
// one: those before it come from the client and could be forged.

const (
	throttleFree   = 5                // failures allowed before waiting
	throttleMax    = 15 * time.Minute // the longest wait, and how long failures are remembered
	throttleKeep   = 10_000           // clients remembered at most; the stalest are forgotten first
	throttleFirst  = time.Second      // the first wait, doubled at each failure after
	throttleAtOnce = 64               // clients forgotten at once when the table is full
)

// throttle counts each client's failed sign-ins.
type throttle struct {
	mu      sync.Mutex
	clients map[string]*failures
	now     func() time.Time
}

type failures struct {
	count int
	last  time.Time // the latest failure
	until time.Time // no sign-in before this
}

func newThrottle() *throttle {
	return &throttle{clients: map[string]*failures{}, now: time.Now}
}

// clientOf is the key of a request's client: its address without the port.
func (s *Server) clientOf(r *http.Request) string {
	if s.BehindProxy {
		if hops := r.Header.Values("X-Forwarded-For"); len(hops) > 0 {
			last := hops[len(hops)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if last = strings.TrimSpace(last); last != "" {
				return last
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// wait returns how long the client must still wait before trying again, or 0.
func (t *throttle) wait(client string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.clients[client]
	if f == nil {
		return 0
	}
	return max(f.until.Sub(t.now()), 0)
}

// fail records a failed sign-in: past the free ones, each doubles the wait.
func (t *throttle) fail(client string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.clients[client]
	if f == nil || now.Sub(f.last) > throttleMax {
		if len(t.clients) >= throttleKeep {
			t.forgetStalest(now)
		}
		f = &failures{}
		t.clients[client] = f
	}
	f.count++
	f.last = now
	if over := f.count - throttleFree; over > 0 {
		wait := throttleMax
		if over < 20 {
			wait = min(throttleFirst<<(over-1), throttleMax)
		}
		f.until = now.Add(wait)
	}
}

// succeed forgets a client's failures.
func (t *throttle) succeed(client string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.clients, client)
}

// forgetStalest drops the clients whose failures are past remembering, or failing
// that, some of the others.
func (t *throttle) forgetStalest(now time.Time) {
	dropped := 0
	for k, f := range t.clients {
		if now.Sub(f.last) > throttleMax {
			delete(t.clients, k)
			dropped++
		}
	}
	for k := range t.clients {
		if dropped >= throttleAtOnce {
			break
		}
		delete(t.clients, k)
		dropped++
	}
}

// tooMany is the refusal while a client waits, with the Retry-After header set.
func tooMany(w http.ResponseWriter, wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	return barter.Errorf(barter.ETooMany, "too many sign-ins with a wrong token from here; try again in %d s", secs)
}
