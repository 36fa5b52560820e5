// Package pingpong is the HTTP Datagram ping-pong exchange shared by the
// quic-go interop client and server (tests/interop/README.md).
//
// Wire format of one HTTP Datagram payload (after the Quarter Stream ID that
// quic-go's http3 package adds, RFC 9297 §2.1): the counter as 8 bytes
// big-endian, then optional padding where byte i (i >= 8) is byte(i). The
// server sends 0 first; each side answers value N with N+1 of the same length
// as the datagram it received (the client uses its -size). The side that sends
// the final value (always the server, the final value is even) stops after it.
//
// Datagrams are unreliable (RFC 9221 §5), so each side retransmits its last
// value when nothing new arrived within the resend interval. Duplicates are
// counted and ignored, never answered, so a resend cannot start an echo storm.
package pingpong

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// HeaderLen is the size of the big-endian counter at the start of a payload.
const HeaderLen = 8

// MaxSize bounds -size: larger payloads do not fit a 1200-byte QUIC packet.
const MaxSize = 1100

// DefaultResend is the retransmission interval for a datagram that got no answer.
const DefaultResend = 500 * time.Millisecond

// Endpoint is what both http3.Stream and http3.RequestStream offer.
type Endpoint interface {
	SendDatagram(b []byte) error
	ReceiveDatagram(ctx context.Context) ([]byte, error)
}

// Payload returns a datagram payload of size bytes (at least HeaderLen)
// carrying value v and the standard padding.
func Payload(v uint64, size int) []byte {
	if size < HeaderLen {
		size = HeaderLen
	}
	b := make([]byte, size)
	binary.BigEndian.PutUint64(b, v)
	for i := HeaderLen; i < size; i++ {
		b[i] = byte(i)
	}
	return b
}

// Parse returns the counter of a payload and checks its padding.
func Parse(b []byte) (uint64, error) {
	if len(b) < HeaderLen {
		return 0, fmt.Errorf("datagram too short: %d bytes, want at least %d", len(b), HeaderLen)
	}
	for i := HeaderLen; i < len(b); i++ {
		if b[i] != byte(i) {
			return 0, fmt.Errorf("datagram padding corrupt at byte %d of %d: 0x%02x", i, len(b), b[i])
		}
	}
	return binary.BigEndian.Uint64(b), nil
}

// Config describes one side of the exchange.
type Config struct {
	Role      string        // "client" or "server": prefix of every log message
	Final     uint64        // the last value; even, >= 2
	Size      int           // client: payload size; server: 0 = echo the received length
	Resend    time.Duration // retransmit interval (DefaultResend if 0)
	Linger    time.Duration // server: how long to keep resending the final value
	DropEvery int           // test only: silently skip every Nth first transmission
}

// Stats is what happened during one exchange.
type Stats struct {
	Received   int // new values received
	Resends    int // retransmissions after a timeout
	Duplicates int // datagrams with an already-seen value
	Dropped    int // test drops (DropEvery)
	Elapsed    time.Duration
}

// Log writes the stats as one line: "INFO ROLE: stats received=N resends=N ...".
func (s Stats) Log(role string) {
	slog.Info(role+": stats", "received", s.Received, "resends", s.Resends,
		"duplicates", s.Duplicates, "test_drops", s.Dropped,
		"elapsed", s.Elapsed.Round(time.Microsecond).String())
}

// ErrLingerExpired: the server sent the final value but the client never closed.
var ErrLingerExpired = errors.New("peer did not close after the final datagram")

type runner struct {
	cfg   Config
	ep    Endpoint
	st    Stats
	sends int
	last  []byte    // last payload sent, for retransmission
	due   time.Time // when to retransmit last; duplicates do not move it
}

func (r *runner) send(v uint64, size int) error {
	b := Payload(v, size)
	r.last = b
	r.due = time.Now().Add(r.cfg.Resend)
	r.sends++
	if r.cfg.DropEvery > 0 && r.sends%r.cfg.DropEvery == 0 {
		r.st.Dropped++
		slog.Info(r.cfg.Role+": test: dropped datagram", "value", v)
		return nil
	}
	if err := r.ep.SendDatagram(b); err != nil {
		return fmt.Errorf("send datagram value=%d (%d bytes): %w", v, len(b), err)
	}
	return nil
}

func (r *runner) resend() error {
	if r.last == nil {
		return nil
	}
	r.st.Resends++
	r.due = time.Now().Add(r.cfg.Resend)
	v := binary.BigEndian.Uint64(r.last)
	slog.Info(r.cfg.Role+": resent datagram", "value", v)
	if err := r.ep.SendDatagram(r.last); err != nil {
		return fmt.Errorf("resend datagram value=%d: %w", v, err)
	}
	return nil
}

// receive waits for the next datagram. When the resend deadline passes it
// retransmits the last payload. The deadline only moves when something is
// sent, so a peer that keeps resending a value we already answered cannot
// starve our own retransmission of the answer it is missing. ctx ends the wait.
func (r *runner) receive(ctx context.Context) ([]byte, error) {
	for {
		due := r.due
		if r.last == nil {
			due = time.Now().Add(r.cfg.Resend) // nothing to resend yet
		}
		rctx, cancel := context.WithDeadline(ctx, due)
		b, err := r.ep.ReceiveDatagram(rctx)
		cancel()
		if err == nil {
			return b, nil
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("receive datagram: %w", err)
		}
		if err := r.resend(); err != nil {
			return nil, err
		}
	}
}

func (cfg *Config) check() error {
	if cfg.Final < 2 || cfg.Final%2 != 0 {
		return fmt.Errorf("final value %d must be even and at least 2", cfg.Final)
	}
	if cfg.Resend <= 0 {
		cfg.Resend = DefaultResend
	}
	return nil
}

// RunServer sends 0, answers every odd value N with N+1 and stops after
// sending Final. It then keeps resending Final until ctx ends (the client
// closed the request or the connection) or Linger expires.
func RunServer(ctx context.Context, ep Endpoint, cfg Config) (st Stats, err error) {
	r := &runner{cfg: cfg, ep: ep}
	if err := cfg.check(); err != nil {
		return r.st, err
	}
	r.cfg = cfg
	start := time.Now()
	defer func() { st.Elapsed = time.Since(start) }()
	if err := r.send(0, HeaderLen); err != nil {
		return r.st, err
	}
	expect := uint64(1)
	for {
		b, err := r.receive(ctx)
		if err != nil {
			return r.st, err
		}
		v, err := Parse(b)
		if err != nil {
			return r.st, err
		}
		if v < expect {
			r.st.Duplicates++
			slog.Info(cfg.Role+": duplicate datagram", "value", v)
			continue
		}
		if v != expect {
			return r.st, fmt.Errorf("unexpected datagram value=%d, want %d", v, expect)
		}
		r.st.Received++
		slog.Info(cfg.Role+": received datagram", "value", v)
		size := len(b)
		if cfg.Size > 0 {
			size = cfg.Size
		}
		if err := r.send(v+1, size); err != nil {
			return r.st, err
		}
		if v+1 == cfg.Final {
			slog.Info(cfg.Role + ": sent final datagram, exiting")
			return r.linger(ctx)
		}
		expect = v + 2
	}
}

func (r *runner) linger(ctx context.Context) (Stats, error) {
	lctx, cancel := context.WithTimeout(ctx, r.cfg.Linger)
	defer cancel()
	for {
		b, err := r.receive(lctx)
		if ctx.Err() != nil {
			return r.st, nil // the client closed: done
		}
		if lctx.Err() != nil {
			return r.st, ErrLingerExpired
		}
		if err != nil {
			// The client closing the connection surfaces here too.
			return r.st, nil
		}
		if v, perr := Parse(b); perr == nil && v < r.cfg.Final {
			r.st.Duplicates++
			slog.Info(r.cfg.Role+": duplicate datagram", "value", v)
		}
	}
}

// RunClient waits for 0, answers every even value N with N+1 (Size bytes)
// and returns after receiving Final.
func RunClient(ctx context.Context, ep Endpoint, cfg Config) (st Stats, err error) {
	r := &runner{cfg: cfg, ep: ep}
	if err := cfg.check(); err != nil {
		return r.st, err
	}
	if cfg.Size < HeaderLen || cfg.Size > MaxSize {
		return r.st, fmt.Errorf("size %d out of range [%d, %d]", cfg.Size, HeaderLen, MaxSize)
	}
	r.cfg = cfg
	start := time.Now()
	defer func() { st.Elapsed = time.Since(start) }()
	expect := uint64(0)
	for {
		b, err := r.receive(ctx)
		if err != nil {
			return r.st, err
		}
		v, err := Parse(b)
		if err != nil {
			return r.st, err
		}
		if v < expect {
			r.st.Duplicates++
			slog.Info(cfg.Role+": duplicate datagram", "value", v)
			continue
		}
		if v != expect {
			return r.st, fmt.Errorf("unexpected datagram value=%d, want %d", v, expect)
		}
		// The server's first datagram is 8 bytes; later ones echo our size.
		if v > 0 && len(b) != cfg.Size {
			return r.st, fmt.Errorf("datagram value=%d has %d bytes, want %d (echo of -size)", v, len(b), cfg.Size)
		}
		r.st.Received++
		slog.Info(cfg.Role+": received datagram", "value", v)
		if v == cfg.Final {
			slog.Info(cfg.Role + ": received final datagram, exiting")
			return r.st, nil
		}
		if err := r.send(v+1, cfg.Size); err != nil {
			return r.st, err
		}
		expect = v + 2
	}
}
