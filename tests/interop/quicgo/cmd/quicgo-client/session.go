package main

// -session FILE: a tls.ClientSessionCache that keeps the newest session (the
// ticket and Go's encoding of the session state, which carries what quic-go
// adds for 0-RTT: the server's transport parameters) in a file, so that a
// second run resumes (RFC 8446 §2.2) and can send 0-RTT (RFC 9001 §4.6).

import (
	"bytes"
	"crypto/tls"
	"encoding/gob"
	"log/slog"
	"os"
	"sync"
)

type sessionRecord struct {
	Key    string
	Ticket []byte
	State  []byte
}

type fileSessionCache struct {
	path string
	mu   sync.Mutex
	// stored: Put was called with a session this run.
	stored int
	// earlyData: the session handed out allows 0-RTT (RFC 8446 §4.2.10).
	earlyData bool
}

func (c *fileSessionCache) Get(key string) (*tls.ClientSessionState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := os.ReadFile(c.path)
	if err != nil {
		return nil, false
	}
	var r sessionRecord
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&r); err != nil || r.Key != key {
		return nil, false
	}
	st, err := tls.ParseSessionState(r.State)
	if err != nil {
		slog.Warn("client: session file unusable", "error", err)
		return nil, false
	}
	cs, err := tls.NewResumptionState(r.Ticket, st)
	if err != nil {
		return nil, false
	}
	c.earlyData = st.EarlyData
	return cs, true
}

func (c *fileSessionCache) Put(key string, cs *tls.ClientSessionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs == nil { // crypto/tls: forget the session
		os.Remove(c.path)
		return
	}
	ticket, st, err := cs.ResumptionState()
	if err != nil || st == nil {
		return
	}
	sb, err := st.Bytes()
	if err != nil {
		slog.Warn("client: cannot encode the session", "error", err)
		return
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(sessionRecord{Key: key, Ticket: ticket, State: sb}); err != nil {
		return
	}
	if err := os.WriteFile(c.path, buf.Bytes(), 0o600); err != nil {
		slog.Warn("client: cannot write the session file", "error", err)
		return
	}
	c.stored++
}
