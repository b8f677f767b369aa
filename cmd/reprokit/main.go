// Command reprokit records a browser session into a sanitized support bundle,
// inspects, reports and replays bundles, and installs its own native-messaging
// host. When Chrome starts it with a chrome-extension:// origin argument it
// speaks native messaging on stdin and stdout instead (see docs/PROTOCOL.md).
//
// Each subcommand lives in its own file (cmd_<name>.go) and registers itself
// in init with [register]. Exit codes: 0 ok; 1 the command ran and the answer
// is negative; 2 usage error or unreadable input.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/version"
)

// Exit codes shared by every subcommand.
const (
	exitOK       = 0
	exitNegative = 1
	exitUsage    = 2
)

// command is one subcommand of reprokit.
type command struct {
	name    string
	summary string // one line for the top-level help
	// run parses args (without the subcommand name) and runs the command. It
	// returns nil for exit 0, or an error made by negative or usage for
	// exit 1 or 2; any other error exits 1 with its message.
	run func(args []string) error
}

var commands = map[string]*command{}

// register adds a subcommand; each cmd_*.go file calls it from init.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("reprokit: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// exitError carries an exit code with a message for the user.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr makes an error that exits 2 (usage error or unreadable input).
func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// negative makes an error that exits 1: the command ran and the answer is
// negative (a recording failed, scan found something, a doctor check failed).
// An empty message prints nothing.
func negative(format string, a ...any) error {
	return &exitError{code: exitNegative, err: fmt.Errorf(format, a...)}
}

// newFlags returns a FlagSet for a subcommand whose -h prints the usage line,
// the description and the flags on stderr.
func newFlags(name, usage, description string) *flag.FlagSet {
	fs := flag.NewFlagSet("reprokit "+name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: reprokit %s %s\n\n%s\n", name, usage, strings.TrimSpace(description))
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(fs.Output(), "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args with fs; it maps -h to exit 0 and bad flags to exit 2.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return &exitError{code: exitUsage, err: err}
	}
	return nil
}

// errHelp ends a command after it printed its help: exit 0.
var errHelp = errors.New("help shown")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if isNativeMessagingLaunch(args) {
		return runNativeHost(args)
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "-version" || args[0] == "version" {
		fmt.Fprintln(stdout, "reprokit", version.Version)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "reprokit: unknown command %q; run `reprokit help` for the list\n", args[0])
		return exitUsage
	}
	if readerCommands[c.name] && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(readerMemoryLimit)
	}
	err := c.run(args[1:])
	if err == nil || errors.Is(err, errHelp) {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if msg := errorText(ee); msg != "" {
			fmt.Fprintf(stderr, "reprokit %s: %s\n", c.name, msg)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "reprokit %s: %s\n", c.name, errorText(err))
	return exitNegative
}

// readerCommands read bundles and HARs of any size and shape; their
// memory is bounded by the readers' caps (docs/BUNDLE.md), and the
// collector works harder near readerMemoryLimit instead of letting a
// large body's garbage double the peak (a soft limit: the live data
// decides, GOMEMLIMIT overrides it).
var readerCommands = map[string]bool{"inspect": true, "report": true, "view": true, "replay": true, "scan": true, "sanitize": true}

const readerMemoryLimit = 160 << 20

// errorText is the message of err for the terminal: a path named twice in
// a row ("open b.zip: open b.zip: no such file or directory", an
// *fs.PathError wrapped with the same words, or formatted into a usage
// error) is named once, and what came from the input (member names, URLs)
// cannot act on the terminal (see [terminalLines]).
func errorText(err error) string {
	return terminalLines(namePathOnce(err.Error()))
}

// namePathOnce removes the repeats of "OP PATH: " that follow themselves.
func namePathOnce(msg string) string {
	for _, op := range []string{"open ", "stat ", "lstat ", "read "} {
		for from := 0; ; {
			i := strings.Index(msg[from:], op)
			if i < 0 {
				break
			}
			i += from
			end := strings.Index(msg[i:], ": ")
			if end < 0 {
				break
			}
			seg := msg[i : i+end+2]
			for strings.HasPrefix(msg[i+len(seg):], seg) {
				msg = msg[:i] + msg[i+len(seg):]
			}
			from = i + len(seg)
		}
	}
	return msg
}

// terminalLines escapes each line of text from an input for a terminal
// ([bundle.TerminalSafe]) and keeps the line breaks: the one way the CLI
// prints text that comes from a bundle, a HAR or a scanned file.
func terminalLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = bundle.TerminalSafe(l)
	}
	return strings.Join(lines, "\n")
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, "reprokit %s: one-click, sanitized browser support bundles\n\nusage: reprokit COMMAND [flags] [args]\n\ncommands:\n", version.Version)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun `reprokit COMMAND -h` for the flags of a command; `reprokit --version` prints the version.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 negative answer (failed recording, findings, failed check), 2 usage error or unreadable input.")
}

// printPath prints the absolute path of a file a command wrote: the only
// thing such a command prints on stdout.
func printPath(path string) {
	if abs, err := absPath(path); err == nil {
		path = abs
	}
	fmt.Fprintln(os.Stdout, path)
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("reprokit scan a.har --json") and returns the positionals.
// A lone "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
