package main

import (
	"fmt"
	"io"

	"github.com/athlete3d/athlete3d/models"
	"github.com/athlete3d/athlete3d/models/onnx"
	"github.com/athlete3d/athlete3d/models/tfjs"
)

const modelsSynopsis = `models setup | convert IN.json OUT.onnx | info [--json] FILE.onnx | list | cachedir`

func runModels(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("models", modelsSynopsis, stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		return misuse(fs, "missing subcommand")
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "setup":
		if len(rest) != 0 {
			return misuse(fs, "setup takes no arguments")
		}
		return models.Setup(stderr)
	case "convert":
		if len(rest) != 2 {
			return misuse(fs, "convert takes IN.json OUT.onnx")
		}
		return tfjs.ConvertFile(rest[0], rest[1])
	case "info":
		return modelsInfo(rest, stdout, stderr)
	case "cachedir":
		fmt.Fprintln(stdout, models.CacheDir())
		return nil
	case "list":
		for _, m := range models.Models {
			fmt.Fprintf(stdout, "%-18s %s\n%-18s %s\n", m.Name, m.About, "", m.ONNX())
		}
		return nil
	default:
		return misuse(fs, "unknown subcommand %q", sub)
	}
}

func modelsInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("models info", "models info [--json] FILE.onnx", stderr)
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return misuse(fs, "info takes one ONNX file")
	}
	m, err := onnx.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	info := onnx.Describe(m)
	if *asJSON {
		return info.WriteJSON(stdout)
	}
	return info.WriteText(stdout)
}
