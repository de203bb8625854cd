// Command athlete3d tracks athletes in 3D from several cameras.
//
// Run `athlete3d help` for the verbs.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// verb is one subcommand: its name, a one-line summary, and the function
// that parses its arguments and runs it.
type verb struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func verbs() []verb {
	return []verb{
		{"run", "run the pipeline a configuration file describes: cameras to fused 3D frames", runRun},
		{"pose", "find people and their 2D keypoints in images or video", runPose},
		{"triangulate", "place recorded 2D keypoints from calibrated cameras in 3D", runTriangulate},
		{"calibrate", "calibrate cameras from boards, surveyed points or the athletes; convert calibration files", runCalibrate},
		{"models", "fetch, convert and inspect the pose networks", runModels},
		{"burnin", "draw the athletes of a JSONL stream onto a camera's video, to a file or an MJPEG preview", runBurnin},
	}
}

// errUsage marks a misuse already reported to stderr: exit 2, no message.
var errUsage = errors.New("usage")

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, v := range verbs() {
		if v.name != args[0] {
			continue
		}
		err := v.run(args[1:], stdout, stderr)
		switch {
		case err == nil || errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "athlete3d: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "athlete3d %s: unknown command\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "athlete3d tracks athletes in 3D from several cameras.")
	fmt.Fprint(w, "\nUsage:\n\n\tathlete3d <command> [arguments]\n\nThe commands are:\n\n")
	for _, v := range verbs() {
		fmt.Fprintf(w, "\t%-10s %s\n", v.name, v.summary)
	}
	fmt.Fprintln(w, "\nUse \"athlete3d <command> -h\" for more about a command.")
}

// newFlags returns a flag set for a verb that reports misuse to stderr.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: athlete3d %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning a flag error into errUsage (the flag package
// has already printed it).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// misuse prints a usage error and the verb's usage, and returns errUsage.
func misuse(fs *flag.FlagSet, format string, a ...any) error {
	fmt.Fprintf(fs.Output(), "athlete3d %s: %s\n", fs.Name(), fmt.Sprintf(format, a...))
	fs.Usage()
	return errUsage
}
