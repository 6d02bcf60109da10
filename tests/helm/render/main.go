// helm-render renders the chart the way `helm template` does (see engine.go) and checks the
// result (see checks.go and run.go). No helm binary is needed.
//
//	helm-render render   -chart DIR [-f values.yaml]...        manifests, as `helm template`
//	helm-render notes    -chart DIR [-f values.yaml]...        NOTES.txt
//	helm-render include  -chart DIR [-f ...] NAME              one named template
//	helm-render values   -chart DIR [-f ...]                   the merged values as JSON
//	helm-render check    -chart DIR -scenario FILE -expect FILE -daemon BIN -repo DIR -ajv BIN
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// The release every scenario is rendered as (README.md shows output for this release).
const (
	releaseName      = "postmortem-exporter"
	releaseNamespace = "monitoring"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helm-render render|notes|include|values|check ...")
		os.Exit(2)
	}
	cmd := os.Args[1]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	chartDir := fs.String("chart", "helm/postmortem-exporter", "chart directory")
	var valueFiles multiFlag
	fs.Var(&valueFiles, "f", "values file (repeatable)")
	scenario := fs.String("scenario", "", "check: the scenario's values file")
	expect := fs.String("expect", "", "check: the expectations file")
	daemon := fs.String("daemon", "", "check: the postmortem-exporter binary")
	repo := fs.String("repo", ".", "check: the repository root")
	ajv := fs.String("ajv", "tools/schema-check/node_modules/.bin/ajv", "check: the ajv-cli binary")
	_ = fs.Parse(os.Args[2:])

	if cmd == "check" {
		ok := runCheck(CheckConfig{Chart: *chartDir, Scenario: *scenario, Expect: *expect,
			Daemon: *daemon, Repo: *repo, Ajv: *ajv})
		if !ok {
			os.Exit(1)
		}
		return
	}
	engine, err := setup(*chartDir, valueFiles)
	if err != nil {
		die(err)
	}
	switch cmd {
	case "render":
		manifests, err := engine.Render()
		if err != nil {
			die(err)
		}
		fmt.Print(Stream(manifests))
	case "notes":
		text, err := engine.Notes()
		if err != nil {
			die(err)
		}
		fmt.Print(text)
	case "include":
		text, err := engine.Include(fs.Arg(0))
		if err != nil {
			die(err)
		}
		fmt.Println(text)
	case "values":
		data, _ := json.MarshalIndent(engine.values, "", "  ")
		fmt.Println(string(data))
	default:
		die(fmt.Errorf("unknown command %q", cmd))
	}
}

func setup(chartDir string, valueFiles []string) (*Engine, error) {
	chart, err := loadChart(chartDir)
	if err != nil {
		return nil, err
	}
	values, err := loadValues(chart, valueFiles)
	if err != nil {
		return nil, err
	}
	return newEngine(chart, values, Release{Name: releaseName, Namespace: releaseNamespace})
}

func die(err error) {
	fmt.Fprintln(os.Stderr, "Error:", err)
	os.Exit(1)
}
