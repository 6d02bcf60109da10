package main

// A small stand-in for Helm's template engine: the same text/template with sprig's functions
// and Helm's own additions (include, tpl, required, toYaml, fromYaml, toJson, fail, lookup),
// the same built-in objects (.Values, .Release, .Chart, .Files, .Template, .Capabilities) and
// the same value handling (values files merged over values.yaml, numbers as float64 as after
// Helm's YAML-to-JSON conversion, "<no value>" rendered as nothing).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

// Chart is a chart directory with its Chart.yaml.
type Chart struct {
	Dir        string
	Name       string
	Version    string
	AppVersion string
}

// Release is what Helm passes as .Release.
type Release struct {
	Name      string
	Namespace string
}

func loadChart(dir string) (*Chart, error) {
	var meta map[string]interface{}
	if err := readYAMLFile(filepath.Join(dir, "Chart.yaml"), &meta); err != nil {
		return nil, err
	}
	c := &Chart{Dir: dir}
	c.Name, _ = meta["name"].(string)
	c.Version, _ = meta["version"].(string)
	c.AppVersion, _ = meta["appVersion"].(string)
	if c.Name == "" || c.Version == "" {
		return nil, fmt.Errorf("%s/Chart.yaml: name and version are required", dir)
	}
	return c, nil
}

func readYAMLFile(path string, into interface{}) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// jsonRoundTrip turns YAML-decoded data into what Helm's templates see: JSON types only
// (map[string]interface{}, []interface{}, float64, string, bool, nil).
func jsonRoundTrip(v interface{}) (interface{}, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out interface{}
	err = json.Unmarshal(data, &out)
	return out, err
}

// loadValues merges the values files over the chart's values.yaml like `helm -f`: maps merge
// key by key, anything else replaces, and a null removes the key.
func loadValues(chart *Chart, files []string) (map[string]interface{}, error) {
	values := map[string]interface{}{}
	for _, path := range append([]string{filepath.Join(chart.Dir, "values.yaml")}, files...) {
		var layer map[string]interface{}
		if err := readYAMLFile(path, &layer); err != nil {
			return nil, err
		}
		converted, err := jsonRoundTrip(layer)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		if m, ok := converted.(map[string]interface{}); ok {
			mergeValues(values, m)
		}
	}
	return values, nil
}

func mergeValues(dst, src map[string]interface{}) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, srcIsMap := v.(map[string]interface{})
		dm, dstIsMap := dst[k].(map[string]interface{})
		if srcIsMap && dstIsMap {
			mergeValues(dm, sm)
		} else {
			dst[k] = v
		}
	}
}

// Files is .Files: files of the chart directory, symlinks followed (as Helm does when it
// loads a chart from a directory).
type Files struct{ dir string }

// Get returns the file's content, or "" when it cannot be read (as Helm does).
func (f Files) Get(name string) string {
	clean := filepath.Clean(name)
	if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
		return ""
	}
	data, err := os.ReadFile(filepath.Join(f.dir, clean))
	if err != nil {
		return ""
	}
	return string(data)
}

// Engine holds the parsed templates of one chart and the data they are executed with.
type Engine struct {
	chart     *Chart
	templates *template.Template
	names     []string // templates/ files, sorted, as "<chart>/templates/<path>"
	values    map[string]interface{}
	release   Release
}

func newEngine(chart *Chart, values map[string]interface{}, release Release) (*Engine, error) {
	e := &Engine{chart: chart, values: values, release: release}
	e.templates = template.New("chart").Option("missingkey=zero").Funcs(e.funcMap())
	root := filepath.Join(chart.Dir, "templates")
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chart.Dir, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		name := chart.Name + "/" + filepath.ToSlash(rel)
		if _, err := e.templates.New(name).Parse(string(data)); err != nil {
			return err
		}
		e.names = append(e.names, name)
		return nil
	})
	sort.Strings(e.names)
	return e, err
}

func (e *Engine) funcMap() template.FuncMap {
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env") // Helm removes these two: a chart must not read the client's environment
	delete(funcs, "expandenv")
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := e.templates.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := e.templates.Clone()
		if err != nil {
			return "", err
		}
		t, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = t.Execute(&buf, data)
		return strings.ReplaceAll(buf.String(), "<no value>", ""), err
	}
	funcs["required"] = func(message string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(message)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(message)
		}
		return v, nil
	}
	funcs["fail"] = func(message string) (string, error) { return "", errors.New(message) }
	funcs["toYaml"] = func(v interface{}) string {
		out, err := marshalYAML(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(out, "\n")
	}
	funcs["fromYaml"] = func(text string) map[string]interface{} {
		var m map[string]interface{}
		if err := yaml.Unmarshal([]byte(text), &m); err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		converted, err := jsonRoundTrip(m)
		if err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		out, _ := converted.(map[string]interface{})
		if out == nil {
			out = map[string]interface{}{}
		}
		return out
	}
	funcs["fromYamlArray"] = func(text string) []interface{} {
		var a []interface{}
		if err := yaml.Unmarshal([]byte(text), &a); err != nil {
			return []interface{}{err.Error()}
		}
		converted, _ := jsonRoundTrip(a)
		out, _ := converted.([]interface{})
		return out
	}
	funcs["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	funcs["fromJson"] = func(text string) map[string]interface{} {
		var m map[string]interface{}
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		return m
	}
	// No cluster here: as with `helm template`, lookup finds nothing.
	funcs["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return funcs
}

func marshalYAML(v interface{}) (string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	err := enc.Close()
	return buf.String(), err
}

// data is the top-level object a template file is executed with.
func (e *Engine) data(templateName string) map[string]interface{} {
	return map[string]interface{}{
		"Values": e.values,
		"Release": map[string]interface{}{
			"Name": e.release.Name, "Namespace": e.release.Namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart": map[string]interface{}{
			"Name": e.chart.Name, "Version": e.chart.Version, "AppVersion": e.chart.AppVersion,
		},
		"Files": Files{dir: e.chart.Dir},
		"Template": map[string]interface{}{
			"Name": templateName, "BasePath": e.chart.Name + "/templates",
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.28.0", "Major": "1", "Minor": "28"},
		},
	}
}

func (e *Engine) execute(name string, data interface{}) (string, error) {
	var buf bytes.Buffer
	if err := e.templates.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

// Manifest is one rendered template file.
type Manifest struct {
	Source  string
	Content string
}

// Render executes every template file but partials (_*) and NOTES.txt, in path order, and
// keeps those that rendered something (as `helm template` does).
func (e *Engine) Render() ([]Manifest, error) {
	var out []Manifest
	for _, name := range e.names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		text, err := e.execute(name, e.data(name))
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(text) != "" {
			out = append(out, Manifest{Source: name, Content: text})
		}
	}
	return out, nil
}

// Notes renders templates/NOTES.txt.
func (e *Engine) Notes() (string, error) {
	name := e.chart.Name + "/templates/NOTES.txt"
	return e.execute(name, e.data(name))
}

// Include renders one named template (define) with the top-level data.
func (e *Engine) Include(define string) (string, error) {
	return e.execute(define, e.data(e.chart.Name+"/templates/NOTES.txt"))
}

// Stream joins the manifests the way `helm template` prints them.
func Stream(manifests []Manifest) string {
	var b strings.Builder
	for _, m := range manifests {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.Source, strings.TrimSpace(m.Content))
	}
	return b.String()
}
