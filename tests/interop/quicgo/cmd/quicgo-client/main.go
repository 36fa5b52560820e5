// quicgo-client: the quic-go side of the HTTP/3 datagram ping-pong interop
// test (tests/interop/README.md). It dials with quic.DialAddr, runs an
// http3.ClientConn on top, checks the server's SETTINGS for H3_DATAGRAM
// (RFC 9297 §2.1.1), sends one request without FIN and plays the ping-pong
// over HTTP Datagrams bound to that request stream.
//
// Exit codes: 0 success, 1 failure, 2 usage.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/quic-go/qlog"

	"quince/interop/quicgo/internal/pingpong"
)

// extProtocol is the :protocol of -method CONNECT-EXT (RFC 9220 extended CONNECT).
const extProtocol = "ping-pong"

type options struct {
	url, ca, method string
	count           uint64
	size            int
	timeout         time.Duration
	resend          time.Duration
	noDatagrams     bool
	dropEvery       int
	version         string
	migrateAfter    time.Duration
	session         string
	zeroRTT         bool
}

func usage(fs *flag.FlagSet, msg string) {
	fmt.Fprintf(os.Stderr, "quicgo-client: %s\n", msg)
	fs.Usage()
	os.Exit(2)
}

func parseFlags() options {
	var o options
	fs := flag.NewFlagSet("quicgo-client", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", "https://localhost:8080/ping-pong", "ping-pong URL")
	fs.StringVar(&o.ca, "ca", "", "PEM certificate(s) to trust (required)")
	fs.StringVar(&o.method, "method", "GET", "GET, CONNECT (classic) or CONNECT-EXT (RFC 9220, :protocol "+extProtocol+")")
	fs.Uint64Var(&o.count, "count", 10, "final value of the ping-pong (even, >= 2)")
	fs.IntVar(&o.size, "size", pingpong.HeaderLen, fmt.Sprintf("datagram payload size in bytes (%d..%d)", pingpong.HeaderLen, pingpong.MaxSize))
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "overall time limit")
	fs.DurationVar(&o.resend, "resend", pingpong.DefaultResend, "retransmit the current value after this long without an answer")
	fs.BoolVar(&o.noDatagrams, "no-datagrams", false, "test: do not offer HTTP datagrams")
	fs.IntVar(&o.dropEvery, "drop-every", 0, "test: skip every Nth first transmission (exercises resends)")
	fs.DurationVar(&o.migrateAfter, "migrate-after", 0, "test: after this long, probe a path from a new local port and switch to it (RFC 9000 §9.2)")
	fs.StringVar(&o.session, "session", "", "keep the TLS session in FILE and resume with it (RFC 8446 §2.2)")
	fs.BoolVar(&o.zeroRTT, "0rtt", false, "with -session: dial early and send the request in 0-RTT when the session allows (RFC 9001 §4.6)")
	fs.StringVar(&o.version, "version", "", "test: v2 offers QUIC v2 (RFC 9369) first, then v1, so a v1-only server must answer with Version Negotiation")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if fs.NArg() != 0 {
		usage(fs, "unexpected arguments")
	}
	if o.ca == "" {
		usage(fs, "-ca is required")
	}
	o.method = strings.ToUpper(o.method)
	if o.method == "EXTCONNECT" {
		o.method = "CONNECT-EXT"
	}
	if o.method != "GET" && o.method != "CONNECT" && o.method != "CONNECT-EXT" {
		usage(fs, "-method must be GET, CONNECT or CONNECT-EXT")
	}
	if o.count < 2 || o.count%2 != 0 {
		usage(fs, "-count must be even and at least 2")
	}
	if o.size < pingpong.HeaderLen || o.size > pingpong.MaxSize {
		usage(fs, fmt.Sprintf("-size must be in [%d, %d]", pingpong.HeaderLen, pingpong.MaxSize))
	}
	if o.zeroRTT && (o.session == "" || o.migrateAfter > 0 || o.method == "CONNECT-EXT") {
		usage(fs, "-0rtt needs -session, and goes with neither -migrate-after nor CONNECT-EXT")
	}
	if o.version != "" && o.version != "v2" {
		usage(fs, "-version takes only v2")
	}
	if o.timeout <= 0 || o.resend <= 0 || o.dropEvery < 0 {
		usage(fs, "-timeout and -resend must be positive, -drop-every >= 0")
	}
	u, err := url.Parse(o.url)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		usage(fs, "-url must be https://HOST:PORT/PATH")
	}
	return o
}

func newRequest(ctx context.Context, o options) (*http.Request, error) {
	switch o.method {
	case "GET":
		return http.NewRequestWithContext(ctx, http.MethodGet, o.url, http.NoBody)
	case "CONNECT":
		// Classic CONNECT: quic-go sends only :method and :authority
		// (RFC 9114 §4.4) because req.Proto stays "HTTP/1.1".
		return http.NewRequestWithContext(ctx, http.MethodConnect, o.url, http.NoBody)
	default:
		req, err := http.NewRequestWithContext(ctx, http.MethodConnect, o.url, http.NoBody)
		if err == nil {
			req.Proto = extProtocol // quic-go sends :protocol = req.Proto
		}
		return req, err
	}
}

func run(o options) error {
	ctx, cancel := context.WithTimeoutCause(context.Background(), o.timeout,
		fmt.Errorf("timeout: no result within -timeout %s", o.timeout))
	defer cancel()

	pem, err := os.ReadFile(o.ca)
	if err != nil {
		return fmt.Errorf("read -ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("-ca %s: no PEM certificate found", o.ca)
	}
	u, _ := url.Parse(o.url)
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "443"
	}
	tlsConf := &tls.Config{
		RootCAs:    pool,
		ServerName: host,
		NextProtos: []string{http3.NextProtoH3}, // else: CRYPTO_ERROR 0x178 no_application_protocol
	}
	if kl := os.Getenv("SSLKEYLOGFILE"); kl != "" {
		f, err := os.OpenFile(kl, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open SSLKEYLOGFILE: %w", err)
		}
		defer f.Close()
		tlsConf.KeyLogWriter = f
	}
	var cache *fileSessionCache
	if o.session != "" {
		cache = &fileSessionCache{path: o.session}
		tlsConf.ClientSessionCache = cache
	}
	quicConf := &quic.Config{
		EnableDatagrams: !o.noDatagrams, // QUIC DATAGRAM frames, RFC 9221
		Tracer:          qlog.DefaultConnectionTracer,
	}
	if o.version == "v2" {
		quicConf.Versions = []quic.Version{quic.Version2, quic.Version1}
	}
	var qconn *quic.Conn
	if o.migrateAfter > 0 {
		// quic-go migrates only with connection IDs of non-zero length (a
		// zero-length one cannot route packets on the new path's Transport),
		// which DialAddr does not use.
		qconn, err = dialMigratable(ctx, net.JoinHostPort(host, port), tlsConf, quicConf)
	} else if o.zeroRTT {
		// Returns before the handshake when the session allows 0-RTT.
		qconn, err = quic.DialAddrEarly(ctx, net.JoinHostPort(host, port), tlsConf, quicConf)
	} else {
		qconn, err = quic.DialAddr(ctx, net.JoinHostPort(host, port), tlsConf, quicConf)
	}
	if err != nil {
		return fmt.Errorf("dial %s: %w", net.JoinHostPort(host, port), cause(ctx, err))
	}
	tr := &http3.Transport{EnableDatagrams: !o.noDatagrams} // SETTINGS_H3_DATAGRAM
	conn := tr.NewClientConn(qconn)
	var str *http3.RequestStream
	if o.zeroRTT {
		// The request goes out now, in 0-RTT packets when the handshake is
		// not done yet; the server's SETTINGS are checked once it answered.
		if str, err = sendRequest(ctx, conn, o); err != nil {
			return err
		}
	}
	select {
	case <-qconn.HandshakeComplete():
	case <-qconn.Context().Done():
		return fmt.Errorf("handshake: %w", context.Cause(qconn.Context()))
	case <-ctx.Done():
		return fmt.Errorf("handshake: %w", context.Cause(ctx))
	}
	cs := qconn.ConnectionState()
	slog.Info("client: connected", "remote", qconn.RemoteAddr().String(),
		"alpn", cs.TLS.NegotiatedProtocol, "version", cs.Version.String(),
		"cipher", tls.CipherSuiteName(cs.TLS.CipherSuite), "group", cs.TLS.CurveID.String(),
		"resumed", cs.TLS.DidResume, "used0rtt", cs.Used0RTT)
	if cache != nil {
		// The same lines as the quince client (tests/interop/run.sh checks them).
		if cs.TLS.DidResume {
			slog.Info("client: session resumed")
		} else {
			slog.Info("client: full handshake")
		}
	}
	if o.zeroRTT && str != nil && cache.earlyData {
		if cs.Used0RTT {
			slog.Info("client: 0-RTT accepted")
		} else {
			// RFC 9001 §4.6.2: what went in 0-RTT is lost; quic-go leaves
			// resending it to the application.
			slog.Info("client: 0-RTT rejected")
			if qconn, err = qconn.NextConnection(ctx); err != nil {
				return fmt.Errorf("after 0-RTT rejection: %w", cause(ctx, err))
			}
			conn = tr.NewClientConn(qconn)
			str = nil
		}
	}
	// From here on every return closes the connection; success closes with
	// H3_NO_ERROR below and sets closed.
	closed := false
	defer func() {
		if !closed {
			conn.CloseWithError(quic.ApplicationErrorCode(http3.ErrCodeNoError), "client failed")
		}
	}()

	if o.zeroRTT && str == nil {
		if str, err = sendRequest(ctx, conn, o); err != nil {
			return err
		}
	}
	if str != nil {
		// Request sent before the SETTINGS: its answer comes first.
		return exchange(ctx, o, qconn, conn, str, &closed)
	}
	select {
	case <-conn.ReceivedSettings():
	case <-conn.Context().Done():
		return fmt.Errorf("connection closed before the server's SETTINGS: %w", context.Cause(conn.Context()))
	case <-ctx.Done():
		return fmt.Errorf("waiting for the server's SETTINGS: %w", context.Cause(ctx))
	}
	settings := conn.Settings()
	if !o.noDatagrams && !settings.EnableDatagrams {
		closed = true
		conn.CloseWithError(quic.ApplicationErrorCode(http3.ErrCodeNoError), "datagram support not enabled")
		return errors.New("server does not support HTTP datagrams (no SETTINGS_H3_DATAGRAM=1)")
	}
	if o.method == "CONNECT-EXT" && !settings.EnableExtendedConnect {
		return errors.New("server does not support extended CONNECT (no SETTINGS_ENABLE_CONNECT_PROTOCOL=1)")
	}

	if str, err = sendRequest(ctx, conn, o); err != nil {
		return err
	}
	return exchange(ctx, o, qconn, conn, str, &closed)
}

func sendRequest(ctx context.Context, conn *http3.ClientConn, o options) (*http3.RequestStream, error) {
	str, err := conn.OpenRequestStream(ctx)
	if err != nil {
		return nil, fmt.Errorf("open request stream: %w", cause(ctx, err))
	}
	req, err := newRequest(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("create request: %w", err)
	}
	// SendRequestHeader does not close the stream: no FIN while datagrams
	// flow, since a receiver drops datagrams once it has read the FIN.
	if err := str.SendRequestHeader(req); err != nil {
		return nil, fmt.Errorf("send request: %w", cause(ctx, err))
	}
	return str, nil
}

// exchange: the response, then the ping-pong; *closed is set once the
// connection was closed on purpose.
func exchange(ctx context.Context, o options, qconn *quic.Conn, conn *http3.ClientConn,
	str *http3.RequestStream, closed *bool) error {
	resp, err := str.ReadResponse()
	if err != nil {
		return fmt.Errorf("read response: %w", cause(ctx, err))
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("unexpected status %d: %q", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	slog.Info("client: response", "method", o.method, "status", resp.StatusCode)
	if o.zeroRTT && !o.noDatagrams {
		// SETTINGS are on the control stream and may trail the response.
		select {
		case <-conn.ReceivedSettings():
		case <-ctx.Done():
			return fmt.Errorf("waiting for the server's SETTINGS: %w", context.Cause(ctx))
		}
		if !conn.Settings().EnableDatagrams {
			*closed = true
			conn.CloseWithError(quic.ApplicationErrorCode(http3.ErrCodeNoError), "datagram support not enabled")
			return errors.New("server does not support HTTP datagrams (no SETTINGS_H3_DATAGRAM=1)")
		}
	}

	if o.migrateAfter > 0 {
		go migrate(ctx, qconn, o.migrateAfter)
	}
	st, err := pingpong.RunClient(ctx, str, pingpong.Config{
		Role:      "client",
		Final:     o.count,
		Size:      o.size,
		Resend:    o.resend,
		DropEvery: o.dropEvery,
	})
	st.Log("client")
	if err != nil {
		return fmt.Errorf("ping-pong: %w", cause(ctx, err))
	}
	str.Close() // FIN only now that the exchange is over
	*closed = true
	if err := conn.CloseWithError(quic.ApplicationErrorCode(http3.ErrCodeNoError), ""); err != nil {
		slog.Warn("client: close", "error", err)
	}
	return nil
}

const migrateCIDLen = 8

func dialMigratable(ctx context.Context, addr string, tlsConf *tls.Config, quicConf *quic.Config) (*quic.Conn, error) {
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	network := "udp6"
	if raddr.IP.To4() != nil {
		network = "udp4"
	}
	udp, err := net.ListenUDP(network, nil)
	if err != nil {
		return nil, err
	}
	tr := &quic.Transport{Conn: udp, ConnectionIDLength: migrateCIDLen}
	return tr.Dial(ctx, raddr, tlsConf, quicConf)
}

// migrate moves the connection to a new UDP socket (a new local port):
// probe the path, then switch to it (quic-go's Conn.AddPath).
func migrate(ctx context.Context, qconn *quic.Conn, after time.Duration) {
	select {
	case <-time.After(after):
	case <-ctx.Done():
		return
	}
	network := "udp6" // the family of the server's address
	if ra, ok := qconn.RemoteAddr().(*net.UDPAddr); ok && ra.IP.To4() != nil {
		network = "udp4"
	}
	udp, err := net.ListenUDP(network, nil)
	if err != nil {
		slog.Warn("client: migrate: listen", "error", err)
		return
	}
	path, err := qconn.AddPath(&quic.Transport{Conn: udp, ConnectionIDLength: migrateCIDLen})
	if err != nil {
		slog.Warn("client: migrate: add path", "error", err)
		return
	}
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := path.Probe(pctx); err != nil {
		slog.Warn("client: migrate: probe", "error", err)
		return
	}
	if err := path.Switch(); err != nil {
		slog.Warn("client: migrate: switch", "error", err)
		return
	}
	slog.Info("client: migrated", "local", udp.LocalAddr().String())
}

// cause prefers the -timeout message over a bare "context deadline exceeded".
func cause(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

func main() {
	o := parseFlags()
	err := run(o)
	if os.Getenv("QLOGDIR") != "" {
		// quic-go closes (flushes) the qlog file in the connection's own
		// goroutine after the close: give it a moment before exiting.
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		slog.Error("client: " + err.Error())
		os.Exit(1)
	}
}
