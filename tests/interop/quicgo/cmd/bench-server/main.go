// bench-server: the quic-go side of `make bench` (bench/README.md). The same
// HTTP/3 resources as quince's bench/bench_server.c:
//
//	GET /echo               200, no FIN; every HTTP datagram on the stream is echoed
//	GET /blast?size=S&ms=D  200, S-byte datagrams (8-byte big-endian sequence first) as
//	                        fast as quic-go takes them for D ms, then "sent=N qdrop=0" and FIN
//	GET /bulk?bytes=N       200 and an N-byte body
//	GET /stats              "accepted=A conns=C heap=B cpu_us=U maxrss_kb=K"
//
// Runs until SIGINT/SIGTERM, then prints "server: stats ..." on stdout.
package main

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

var accepted, conns atomic.Int64

func stats() string {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := ru.Utime.Sec*1e6 + ru.Utime.Usec + ru.Stime.Sec*1e6 + ru.Stime.Usec
	// heap: live heap objects plus goroutine stacks (each connection has some).
	return fmt.Sprintf("accepted=%d conns=%d heap=%d cpu_us=%d maxrss_kb=%d\n",
		accepted.Load(), conns.Load(), ms.HeapAlloc+ms.StackInuse, cpu, ru.Maxrss)
}

func qint(r *http.Request, k string, d int64) int64 {
	v, err := strconv.ParseInt(r.URL.Query().Get(k), 10, 64)
	if err != nil {
		return d
	}
	return v
}

func handler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/stats":
		w.Write([]byte(stats()))
	case "/bulk":
		n := qint(r, "bytes", 1000000)
		buf := make([]byte, 16384)
		for n > 0 {
			k := int64(len(buf))
			if n < k {
				k = n
			}
			if _, err := w.Write(buf[:k]); err != nil {
				return
			}
			n -= k
		}
	case "/echo", "/blast":
		w.WriteHeader(http.StatusOK)
		str, err := w.(http3.HTTPStreamer).HTTPStream()
		if err != nil {
			return
		}
		if r.URL.Path == "/echo" {
			for {
				b, err := str.ReceiveDatagram(r.Context())
				if err != nil {
					return
				}
				if str.SendDatagram(b) != nil {
					return
				}
			}
		}
		size := qint(r, "size", 1200)
		if size < 8 {
			size = 8
		}
		end := time.Now().Add(time.Duration(qint(r, "ms", 1000)) * time.Millisecond)
		var seq uint64
		for time.Now().Before(end) {
			b := make([]byte, size) // quic-go keeps the slice until sent
			binary.BigEndian.PutUint64(b, seq)
			for i := 8; i < len(b); i++ {
				b[i] = byte(i)
			}
			if err := str.SendDatagram(b); err != nil { // blocks while 32 are queued
				return
			}
			seq++
		}
		fmt.Fprintf(str, "sent=%d qdrop=0\n", seq)
		str.Close()
		// keep the handler (and stream) until the client is done
		<-r.Context().Done()
	default:
		http.NotFound(w, r)
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:4433", "UDP address")
	certF := flag.String("cert", "", "PEM certificate")
	keyF := flag.String("key", "", "PEM key")
	flag.Parse()
	cert, err := tls.LoadX509KeyPair(*certF, *keyF)
	if err != nil {
		slog.Error("bench-server: certificate", "error", err)
		os.Exit(1)
	}
	addr, err := net.ResolveUDPAddr("udp", *listen)
	if err != nil {
		os.Exit(2)
	}
	udp, err := net.ListenUDP("udp", addr)
	if err != nil {
		slog.Error("bench-server: listen", "error", err)
		os.Exit(1)
	}
	srv := &http3.Server{
		Handler:         http.HandlerFunc(handler),
		TLSConfig:       &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{http3.NextProtoH3}},
		EnableDatagrams: true,
		QUICConfig:      &quic.Config{EnableDatagrams: true, MaxIncomingStreams: 1000},
		ConnContext: func(ctx context.Context, c *quic.Conn) context.Context {
			accepted.Add(1)
			conns.Add(1)
			go func() { <-c.Context().Done(); conns.Add(-1) }()
			return ctx
		},
	}
	go srv.Serve(udp)
	fmt.Fprintf(os.Stderr, "bench-server: listening on %s\n", *listen)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	<-sigs
	fmt.Print("server: stats " + stats())
	srv.Close()
}
