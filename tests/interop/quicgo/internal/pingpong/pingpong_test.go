package pingpong

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// pipe is one direction of an in-memory datagram path that loses datagrams.
type pipe struct {
	ch   chan []byte
	mu   sync.Mutex
	rng  *rand.Rand
	loss float64
}

type end struct{ in, out *pipe }

func (e end) SendDatagram(b []byte) error {
	e.out.mu.Lock()
	lost := e.out.rng.Float64() < e.out.loss
	e.out.mu.Unlock()
	if lost {
		return nil
	}
	c := append([]byte(nil), b...)
	select {
	case e.out.ch <- c:
	default: // queue full: dropped, like quic-go's bounded queues
	}
	return nil
}

func (e end) ReceiveDatagram(ctx context.Context) ([]byte, error) {
	select {
	case b := <-e.in.ch:
		return b, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

func newPair(seed uint64, loss float64) (client, server end) {
	a := &pipe{ch: make(chan []byte, 32), rng: rand.New(rand.NewPCG(seed, 1)), loss: loss}
	b := &pipe{ch: make(chan []byte, 32), rng: rand.New(rand.NewPCG(seed, 2)), loss: loss}
	return end{in: a, out: b}, end{in: b, out: a}
}

// play runs both sides; the server's context ends when the client returns,
// as the client's CONNECTION_CLOSE does on a real connection.
func play(t *testing.T, seed uint64, loss float64, final uint64, size int) (Stats, Stats) {
	t.Helper()
	c, s := newPair(seed, loss)
	sctx, closeConn := context.WithCancel(context.Background())
	type res struct {
		st  Stats
		err error
	}
	sres := make(chan res, 1)
	go func() {
		st, err := RunServer(sctx, s, Config{Role: "server", Final: final, Resend: 5 * time.Millisecond, Linger: time.Second})
		sres <- res{st, err}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cst, err := RunClient(ctx, c, Config{Role: "client", Final: final, Size: size, Resend: 3 * time.Millisecond})
	closeConn()
	if err != nil {
		t.Fatalf("client: %v (stats %+v)", err, cst)
	}
	r := <-sres
	if r.err != nil {
		t.Fatalf("server: %v (stats %+v)", r.err, r.st)
	}
	if cst.Received != int(final/2+1) || r.st.Received != int(final/2) {
		t.Fatalf("received client=%d server=%d, want %d and %d", cst.Received, r.st.Received, final/2+1, final/2)
	}
	return cst, r.st
}

func TestNoLoss(t *testing.T) {
	c, s := play(t, 1, 0, 10, 8)
	if c.Resends != 0 || s.Resends != 0 || c.Duplicates != 0 || s.Duplicates != 0 {
		t.Fatalf("unexpected resends/duplicates: client %+v server %+v", c, s)
	}
}

func TestLoss(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		c, s := play(t, seed, 0.2, 40, 100)
		if c.Resends+s.Resends == 0 {
			t.Fatalf("seed %d: 20%% loss but no resends", seed)
		}
	}
}

func TestPayload(t *testing.T) {
	b := Payload(0x0102030405060708, 12)
	want := []byte{1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 10, 11}
	if string(b) != string(want) {
		t.Fatalf("Payload = % x, want % x", b, want)
	}
	if v, err := Parse(b); err != nil || v != 0x0102030405060708 {
		t.Fatalf("Parse = %d, %v", v, err)
	}
	if _, err := Parse(b[:7]); err == nil {
		t.Fatal("Parse accepted 7 bytes")
	}
	b[10] ^= 1
	if _, err := Parse(b); err == nil {
		t.Fatal("Parse accepted corrupt padding")
	}
}

// A peer that jumps ahead is a protocol error, not something to wait out.
func TestClientRejectsSkippedValue(t *testing.T) {
	c, s := newPair(1, 0)
	s.SendDatagram(Payload(0, 8))
	s.SendDatagram(Payload(4, 8))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := RunClient(ctx, c, Config{Role: "client", Final: 10, Size: 8})
	if err == nil {
		t.Fatal("client accepted value 4 after 0")
	}
	if got := binary.BigEndian.Uint64(<-s.in.ch); got != 1 {
		t.Fatalf("client answered 0 with %d", got)
	}
}
