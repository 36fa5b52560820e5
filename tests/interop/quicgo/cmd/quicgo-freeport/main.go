// quicgo-freeport prints a UDP port on 127.0.0.1 that is free right now, for
// tests/interop/run.sh to give each case its own port.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "quicgo-freeport:", err)
		os.Exit(1)
	}
	fmt.Println(c.LocalAddr().(*net.UDPAddr).Port)
	c.Close()
}
