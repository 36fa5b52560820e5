// quicgo-lossproxy relays UDP between one client and a server and drops a
// share of the datagrams in each direction, so that run.sh can test loss
// recovery (QUIC retransmission, the ping-pong's datagram resends) between
// implementations that cannot inject loss themselves.
//
//	quicgo-lossproxy -listen 127.0.0.1:P -to 127.0.0.1:S -loss 0.05 [-seed N]
//
// The first sender to -listen is the client; replies from the server go back
// to it. Exit codes: 0 on SIGINT/SIGTERM, 1 on a socket error, 2 usage.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
)

type counter struct{ fwd, drop atomic.Int64 }

type dropper struct {
	mu   sync.Mutex
	rng  *rand.Rand
	loss float64
}

func (d *dropper) drop() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rng.Float64() < d.loss
}

func main() {
	fs := flag.NewFlagSet("quicgo-lossproxy", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "UDP address the client sends to")
	to := fs.String("to", "", "UDP address of the server (required)")
	loss := fs.Float64("loss", 0.05, "share of datagrams to drop in each direction, 0..1")
	seed := fs.Uint64("seed", 1, "random seed (the drops are reproducible per seed)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *to == "" || fs.NArg() != 0 || *loss < 0 || *loss > 1 {
		fmt.Fprintln(os.Stderr, "quicgo-lossproxy: need -to ADDR and -loss in [0, 1]")
		fs.Usage()
		os.Exit(2)
	}
	laddr, err := net.ResolveUDPAddr("udp", *listen)
	if err != nil {
		slog.Error("lossproxy: -listen", "error", err)
		os.Exit(1)
	}
	saddr, err := net.ResolveUDPAddr("udp", *to)
	if err != nil {
		slog.Error("lossproxy: -to", "error", err)
		os.Exit(1)
	}
	front, err := net.ListenUDP("udp", laddr)
	if err != nil {
		slog.Error("lossproxy: listen", "error", err)
		os.Exit(1)
	}
	back, err := net.DialUDP("udp", nil, saddr)
	if err != nil {
		slog.Error("lossproxy: dial", "error", err)
		os.Exit(1)
	}
	d := &dropper{rng: rand.New(rand.NewPCG(*seed, 0x9e3779b9)), loss: *loss}
	var up, down counter
	var client atomic.Pointer[net.UDPAddr]
	slog.Info("lossproxy: relaying", "listen", front.LocalAddr().String(), "to", saddr.String(), "loss", *loss)

	go func() { // client -> server
		buf := make([]byte, 65536)
		for {
			n, from, err := front.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if client.Load() == nil {
				client.Store(from)
			}
			if d.drop() {
				up.drop.Add(1)
				continue
			}
			up.fwd.Add(1)
			back.Write(buf[:n])
		}
	}()
	go func() { // server -> client
		buf := make([]byte, 65536)
		for {
			n, err := back.Read(buf)
			if err != nil {
				continue // e.g. ICMP port unreachable before the server is up
			}
			c := client.Load()
			if c == nil {
				continue
			}
			if d.drop() {
				down.drop.Add(1)
				continue
			}
			down.fwd.Add(1)
			front.WriteToUDP(buf[:n], c)
		}
	}()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	<-sigs
	slog.Info("lossproxy: stats", "up_forwarded", up.fwd.Load(), "up_dropped", up.drop.Load(),
		"down_forwarded", down.fwd.Load(), "down_dropped", down.drop.Load())
}
