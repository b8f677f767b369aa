package main

import (
	"context"
	"io"
	"log"
	"os"
	"strings"

	"github.com/reprokit/reprokit/host/native"
)

// isNativeMessagingLaunch reports whether Chrome started this binary as a
// native-messaging host: Chrome passes the caller's origin
// (chrome-extension://ID/) as the first argument, and on Windows a
// --parent-window handle too.
func isNativeMessagingLaunch(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "chrome-extension://") {
			return true
		}
	}
	return false
}

// runNativeHost serves native messaging on stdin/stdout until the extension
// disconnects (docs/PROTOCOL.md). Stdout is the port: everything else goes
// to stderr, which Chrome shows in its own log, and to the file
// REPROKIT_HOST_LOG when it is set.
func runNativeHost(args []string) int {
	var origin string
	for _, a := range args {
		if strings.HasPrefix(a, "chrome-extension://") {
			origin = a
		}
	}
	port := os.Stdout
	os.Stdout = os.Stderr // a stray print must never corrupt the port
	var logw io.Writer = os.Stderr
	if p := os.Getenv("REPROKIT_HOST_LOG"); p != "" {
		if f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
			defer f.Close()
			logw = io.MultiWriter(os.Stderr, f)
		}
	}
	logger := log.New(logw, "reprokit host: ", log.LstdFlags|log.Lmicroseconds)
	opts := native.Options{Origin: origin, Log: logger}
	if exe, err := os.Executable(); err == nil {
		opts.Finisher = native.SpawnFinisher(exe, "")
	}
	if err := native.Serve(context.Background(), os.Stdin, port, opts); err != nil {
		logger.Printf("%v", err)
		return exitNegative
	}
	return exitOK
}
