// quicgo-server: the quic-go side of the HTTP/3 datagram ping-pong interop
// test (tests/interop/README.md). It serves GET /ping-pong, classic CONNECT
// (RFC 9114 §4.4) and extended CONNECT (RFC 9220) to /ping-pong; the exchange
// itself is in internal/pingpong.
//
// Exit codes: 0 success, 1 failure, 2 usage.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/quic-go/qlog"

	"quince/interop/quicgo/internal/pingpong"
)

// settingsWait is how long a request waits for the client's SETTINGS.
const settingsWait = 10 * time.Second

// closeWait: one-shot mode, how long the end of the ping-pong handler and the
// end of its connection may lie apart.
const closeWait = 2 * time.Second

type options struct {
	listen, cert, key string
	count             uint64
	serve             bool
	noDatagrams       bool
	no0RTT            bool
	retry             bool
	dropEvery         int
	linger            time.Duration
	resend            time.Duration
	timeout           time.Duration
}

func usage(fs *flag.FlagSet, msg string) {
	fmt.Fprintf(os.Stderr, "quicgo-server: %s\n", msg)
	fs.Usage()
	os.Exit(2)
}

func parseFlags() options {
	var o options
	fs := flag.NewFlagSet("quicgo-server", flag.ContinueOnError)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "UDP address to listen on")
	fs.StringVar(&o.cert, "cert", "", "PEM certificate chain (required)")
	fs.StringVar(&o.key, "key", "", "PEM private key (required)")
	fs.Uint64Var(&o.count, "count", 10, "final value of the ping-pong (even, >= 2)")
	fs.BoolVar(&o.serve, "serve", false, "keep serving instead of exiting after one ping-pong")
	fs.BoolVar(&o.noDatagrams, "no-datagrams", false, "test: do not offer HTTP datagrams")
	fs.IntVar(&o.dropEvery, "drop-every", 0, "test: skip every Nth first transmission (exercises resends)")
	fs.BoolVar(&o.no0RTT, "no-0rtt", false, "refuse 0-RTT (sessions still resume)")
	fs.BoolVar(&o.retry, "retry", false, "test: validate every client address with a Retry first (RFC 9000 §8.1.2)")
	fs.DurationVar(&o.linger, "linger", 5*time.Second, "how long to wait for the client to close after the final value")
	fs.DurationVar(&o.resend, "resend", pingpong.DefaultResend, "retransmit the current value after this long without an answer")
	fs.DurationVar(&o.timeout, "timeout", 0, "one-shot mode: give up after this long (0 = never)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if fs.NArg() != 0 {
		usage(fs, "unexpected arguments")
	}
	if o.cert == "" || o.key == "" {
		usage(fs, "-cert and -key are required")
	}
	if o.count < 2 || o.count%2 != 0 {
		usage(fs, "-count must be even and at least 2")
	}
	if o.dropEvery < 0 || o.resend <= 0 || o.linger < 0 {
		usage(fs, "-drop-every and -linger must be >= 0, -resend positive")
	}
	return o
}

type server struct {
	opt       options
	done      chan error    // one-shot: result of the first ping-pong
	connEnded chan struct{} // one-shot: a connection was closed
}

func (s *server) finish(err error) {
	if s.opt.serve {
		return
	}
	select {
	case s.done <- err:
	default:
	}
}

// ServeHTTP routes CONNECT itself: http.ServeMux answers a CONNECT without
// :path (classic CONNECT, RFC 9114 §4.4) with 404.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodConnect && r.Proto == "HTTP/3.0" && r.URL.Path == "":
		s.pingPong(w, r)
	case r.Method == http.MethodConnect && r.URL.Path == "/ping-pong":
		s.pingPong(w, r) // extended CONNECT, any :protocol
	case r.Method == http.MethodGet && r.URL.Path == "/ping-pong":
		s.pingPong(w, r)
	case r.URL.Path == "/ping-pong":
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	default:
		http.NotFound(w, r)
	}
}

func (s *server) pingPong(w http.ResponseWriter, r *http.Request) {
	slog.Info("server: request", "method", r.Method, "proto", r.Proto, "authority", r.Host, "path", r.URL.Path)
	// quic-go >= v0.59: http3.Settingser replaces http3.Hijacker.
	sg, ok := w.(http3.Settingser)
	if !ok {
		http.Error(w, "not an HTTP/3 request", http.StatusInternalServerError)
		s.finish(errors.New("response writer is not an http3.Settingser"))
		return
	}
	select {
	case <-sg.ReceivedSettings():
	case <-time.After(settingsWait):
		slog.Error("server: timeout waiting for SETTINGS")
		http.Error(w, "timeout waiting for SETTINGS", http.StatusBadRequest)
		s.finish(errors.New("timeout waiting for the client's SETTINGS"))
		return
	case <-r.Context().Done():
		s.finish(errors.New("request closed before the client's SETTINGS"))
		return
	}
	if !sg.Settings().EnableDatagrams {
		slog.Error("server: datagram support not enabled by the client")
		http.Error(w, "datagram support not enabled", http.StatusBadRequest)
		s.finish(errors.New("client has no HTTP datagram support"))
		return
	}
	w.WriteHeader(http.StatusOK)
	str, err := w.(http3.HTTPStreamer).HTTPStream() // flushes the 200
	if err != nil {
		slog.Error("server: taking over the stream failed", "error", err)
		s.finish(err)
		return
	}
	defer str.Close()
	st, err := pingpong.RunServer(r.Context(), str, pingpong.Config{
		Role:      "server",
		Final:     s.opt.count,
		Linger:    s.opt.linger,
		Resend:    s.opt.resend,
		DropEvery: s.opt.dropEvery,
	})
	st.Log("server")
	if errors.Is(err, pingpong.ErrLingerExpired) {
		slog.Warn("server: " + err.Error())
		err = nil
	}
	if err != nil {
		slog.Error("server: ping-pong failed", "error", err)
	}
	s.finish(err)
}

func run(o options) int {
	cert, err := tls.LoadX509KeyPair(o.cert, o.key)
	if err != nil {
		slog.Error("server: load certificate", "error", err)
		return 1
	}
	tlsConf := &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{http3.NextProtoH3},
	}
	if kl := os.Getenv("SSLKEYLOGFILE"); kl != "" {
		f, err := os.OpenFile(kl, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			slog.Error("server: open SSLKEYLOGFILE", "error", err)
			return 1
		}
		defer f.Close()
		tlsConf.KeyLogWriter = f
	}
	udpAddr, err := net.ResolveUDPAddr("udp", o.listen)
	if err != nil {
		slog.Error("server: bad -listen", "error", err)
		return 1
	}
	udpConn, err := net.ListenUDP("udp", udpAddr)
	if err != nil {
		slog.Error("server: listen", "error", err)
		return 1
	}
	defer udpConn.Close()

	s := &server{opt: o}
	if !o.serve { // nil channels: -serve never ends on a request or connection
		s.done, s.connEnded = make(chan error, 1), make(chan struct{}, 1)
	}
	srv := &http3.Server{
		ConnContext: func(ctx context.Context, c *quic.Conn) context.Context {
			go func() {
				select {
				case <-c.HandshakeComplete():
					// The same lines as the quince server (run.sh checks them).
					cs := c.ConnectionState()
					if cs.TLS.DidResume {
						slog.Info("server: session resumed")
					}
					if cs.Used0RTT {
						slog.Info("server: 0-RTT accepted")
					}
				case <-c.Context().Done():
				}
				<-c.Context().Done()
				// How the connection ended (e.g. "Application error 0x100
				// (remote): ..."): run.sh checks that a refusal reached us.
				slog.Info("server: connection ended", "cause", context.Cause(c.Context()))
				select {
				case s.connEnded <- struct{}{}:
				default:
				}
			}()
			return ctx
		},
		Handler:         s,
		TLSConfig:       tlsConf,
		EnableDatagrams: !o.noDatagrams,
		QUICConfig: &quic.Config{
			EnableDatagrams: !o.noDatagrams,
			// Tickets are on by default in crypto/tls; 0-RTT needs this
			// too (the tickets then allow early data, RFC 9001 §4.6.1).
			Allow0RTT: !o.no0RTT,
			Tracer:    qlog.DefaultConnectionTracer, // only with QLOGDIR set
		},
	}
	serveErr := make(chan error, 1)
	if o.retry {
		// Retry needs a quic.Transport with VerifySourceAddress; http3.Server
		// then serves its listener (which it does not close: we do).
		tr := &quic.Transport{Conn: udpConn, VerifySourceAddress: func(net.Addr) bool { return true }}
		defer tr.Close()
		ln, err := tr.ListenEarly(http3.ConfigureTLSConfig(tlsConf), srv.QUICConfig)
		if err != nil {
			slog.Error("server: listen", "error", err)
			return 1
		}
		defer ln.Close()
		go func() { serveErr <- srv.ServeListener(ln) }()
	} else {
		go func() { serveErr <- srv.Serve(udpConn) }()
	}
	slog.Info("server: listening", "addr", udpConn.LocalAddr().String(), "datagrams", !o.noDatagrams, "retry", o.retry)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var deadline <-chan time.Time
	if o.timeout > 0 && !o.serve {
		deadline = time.After(o.timeout)
	}
	// One-shot: the exchange is over when the ping-pong handler finished and
	// its connection is gone. A connection that ends without a ping-pong
	// request (e.g. the client refused our SETTINGS) fails the run.
	code := 0
	result := func(err error) {
		if err != nil {
			code = 1
		}
	}
	select {
	case err := <-s.done:
		result(err)
		// Let the response (e.g. a 400) reach the client and the client
		// close the connection before closing the server.
		select {
		case <-s.connEnded:
		case <-time.After(closeWait):
		}
	case <-s.connEnded:
		select {
		case err := <-s.done:
			result(err)
		case <-time.After(closeWait):
			slog.Error("server: connection closed without a ping-pong request")
			code = 1
		}
	case err := <-serveErr:
		slog.Error("server: serve", "error", err)
		code = 1
	case sig := <-sigs:
		slog.Info("server: signal", "signal", sig.String())
	case <-deadline:
		slog.Error("server: timeout", "after", o.timeout.String())
		code = 1
	}
	if err := srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		slog.Warn("server: close", "error", err)
	}
	slog.Info("server closed")
	return code
}

func main() {
	os.Exit(run(parseFlags()))
}
