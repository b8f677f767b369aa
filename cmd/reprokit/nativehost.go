package main

import (
	"strings"
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
// disconnects. (Owned by the native host: host/native.)
func runNativeHost(args []string) int {
	return exitUsage // replaced by the native host implementation
}
