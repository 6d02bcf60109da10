package main

// The checks of one scenario: render the chart with the scenario's values, then check the
// objects statically (checks.go) and run the daemon's container for real (run.go).

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// CheckConfig says what to check and with which programs.
type CheckConfig struct{ Chart, Scenario, Expect, Daemon, Repo, Ajv string }

// Expectation is one scenario's entry of expectations.yaml.
type Expectation struct {
	Kinds           []string                     `yaml:"kinds"`
	Store           string                       `yaml:"store"`
	ExistingSecrets map[string]map[string]string `yaml:"existingSecrets"`
	Labels          map[string]map[string]string `yaml:"labels"`
	RCAs            int                          `yaml:"rcas"`
	RenderError     string                       `yaml:"renderError"`
	SchemaError     bool                         `yaml:"schemaError"`
	// NetworkPolicies by name (networkpolicy.go); none rendered when absent.
	NetworkPolicies map[string]NetworkPolicyExpectation `yaml:"networkPolicies"`
	// Storage of the embedded store (storage.go); absent when the daemon uses Redis.
	Storage *StorageExpectation `yaml:"storage"`
	// A Redis over TLS (tls.go): the Secret with its files, and the server made for it.
	RedisTLS *RedisTLSExpectation `yaml:"redisTLS"`
	// The seeds of --redis.cluster (externalRedis.cluster), in order; none when absent.
	RedisCluster   []string `yaml:"redisCluster"`
	redisTLSServer *redisTLSFiles
}

// Object is one rendered Kubernetes object.
type Object map[string]interface{}

func (o Object) Kind() string { s, _ := o["kind"].(string); return s }
func (o Object) Name() string { return str(o, "metadata", "name") }
func (o Object) ID() string   { return o.Kind() + "/" + o.Name() }

// Report collects the outcome of the checks, one line each.
type Report struct{ passed, failed int }

func (r *Report) check(name string, problems []string) {
	if len(problems) == 0 {
		r.passed++
		fmt.Printf("ok   %s\n", name)
		return
	}
	r.failed++
	fmt.Printf("FAIL %s\n", name)
	for _, p := range problems {
		fmt.Printf("       %s\n", p)
	}
}

// Rendered is the chart's output for one scenario.
type Rendered struct {
	engine  *Engine
	objects []Object
}

func (r *Rendered) all(kind string) []Object {
	var out []Object
	for _, o := range r.objects {
		if o.Kind() == kind {
			out = append(out, o)
		}
	}
	return out
}

func (r *Rendered) find(kind, name string) Object {
	for _, o := range r.objects {
		if o.Kind() == kind && o.Name() == name {
			return o
		}
	}
	return nil
}

func (r *Rendered) sidecar() bool { return r.engine.values["mode"] == "sidecar" }

func runCheck(c CheckConfig) bool {
	name := strings.TrimSuffix(filepath.Base(c.Scenario), ".yaml")
	var all map[string]Expectation
	if err := readYAMLFile(c.Expect, &all); err != nil {
		fmt.Println("FAIL expectations:", err)
		return false
	}
	expect, ok := all[name]
	if !ok {
		fmt.Printf("FAIL no entry %q in %s\n", name, c.Expect)
		return false
	}
	report := &Report{}
	defer func() { fmt.Printf("%d passed, %d failed\n", report.passed, report.failed) }()
	if expect.RedisTLS != nil {
		dir, err := os.MkdirTemp("", "helm-redis-tls-")
		if err == nil {
			defer os.RemoveAll(dir)
			expect.redisTLSServer, err = makeRedisTLS(&expect, dir)
		}
		if err != nil {
			report.check("certificates for the Redis over TLS", []string{err.Error()})
			return false
		}
	}

	engine, err := setup(c.Chart, []string{c.Scenario})
	if err != nil {
		report.check("load chart and values", []string{err.Error()})
		return false
	}
	if expect.SchemaError {
		report.check("values.schema.json rejects the values", checkSchema(engine, c, false))
		return report.failed == 0
	}
	report.check("values.schema.json accepts the values", checkSchema(engine, c, true))
	manifests, err := engine.Render()
	if expect.RenderError != "" {
		var problems []string
		if err == nil {
			problems = append(problems, "rendered without error")
		} else if !strings.Contains(err.Error(), expect.RenderError) {
			problems = append(problems, fmt.Sprintf("error %q does not say %q", err, expect.RenderError))
		} else {
			fmt.Printf("       (the message: %s)\n", err)
		}
		report.check("rendering refuses: "+expect.RenderError, problems)
		return report.failed == 0
	}
	if err != nil {
		report.check("render", []string{err.Error()})
		return false
	}
	r := &Rendered{engine: engine}
	report.check("every document parses as YAML with apiVersion, kind, metadata.name",
		parseObjects(manifests, r))
	if report.failed > 0 {
		return false
	}
	report.check("every object (and sidecar block) valid against the Kubernetes and prometheus-operator API schemas",
		checkAPISchemas(r, c))
	report.check("kinds: "+strings.Join(expect.Kinds, ", "), checkKinds(r, expect))
	report.check("standard labels, namespace and expected labels", checkLabels(r, expect))
	report.check("workload selectors match their pod labels", checkWorkloadSelectors(r))
	report.check("every Service selects its pods and their ports", checkServices(r))
	report.check("ServiceMonitor selects the daemon's Service and port", checkServiceMonitor(r))
	report.check("NetworkPolicies: one pod set each, its ports, the expected peers", checkNetworkPolicies(r, expect))
	report.check("StatefulSet: serviceName, claims, append-only Redis", checkStatefulSets(r))
	report.check("secure securityContext on every container", checkSecurity(r))
	report.check("daemon container: probes on /-/healthy and /-/ready, resources", checkDaemonContainer(r))
	report.check("embedded store: --storage.path on the expected writable volume, Recreate, 1 replica", checkStorage(r, expect))
	report.check("volumes, secrets and ConfigMaps referred to exist", checkReferences(r, expect))
	report.check("Redis TLS: the Secret mounted read-only, the flags on its files", checkRedisTLS(r, expect))
	report.check("PrometheusRule: the rules file's groups, promtool check rules", checkPrometheusRule(r, c))
	report.check("dashboard ConfigMap: grafana_dashboard label, the dashboard's JSON", checkDashboard(r, c))
	report.check("NOTES.txt renders; sidecar blocks agree with each other and README.md", checkNotes(r, c))
	report.check("the real daemon starts with the rendered container and gets ready", runDaemon(r, c, expect))
	return report.failed == 0
}

func parseObjects(manifests []Manifest, r *Rendered) []string {
	var problems []string
	seen := map[string]bool{}
	for _, m := range manifests {
		dec := yaml.NewDecoder(strings.NewReader(m.Content))
		for {
			var doc map[string]interface{}
			err := dec.Decode(&doc)
			if err != nil {
				if err.Error() != "EOF" {
					problems = append(problems, fmt.Sprintf("%s: %v", m.Source, err))
				}
				break
			}
			if doc == nil {
				continue
			}
			converted, err := jsonRoundTrip(doc)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", m.Source, err))
				continue
			}
			o := Object(converted.(map[string]interface{}))
			if str(o, "apiVersion") == "" || o.Kind() == "" || o.Name() == "" {
				problems = append(problems, m.Source+": a document without apiVersion, kind or metadata.name")
				continue
			}
			if seen[o.ID()] {
				problems = append(problems, "two objects "+o.ID())
			}
			seen[o.ID()] = true
			r.objects = append(r.objects, o)
		}
	}
	return problems
}

func checkKinds(r *Rendered, expect Expectation) []string {
	var kinds []string
	for _, o := range r.objects {
		kinds = append(kinds, o.Kind())
	}
	sort.Strings(kinds)
	want := append([]string(nil), expect.Kinds...)
	sort.Strings(want)
	if !reflect.DeepEqual(kinds, want) {
		return []string{fmt.Sprintf("rendered %v, want %v", kinds, want)}
	}
	return nil
}

func checkLabels(r *Rendered, expect Expectation) []string {
	var problems []string
	for _, o := range r.objects {
		labels := stringMap(get(o, "metadata", "labels"))
		for _, key := range []string{"helm.sh/chart", "app.kubernetes.io/name", "app.kubernetes.io/instance",
			"app.kubernetes.io/managed-by"} {
			if labels[key] == "" {
				problems = append(problems, o.ID()+" has no label "+key)
			}
		}
		if labels["app.kubernetes.io/instance"] != releaseName {
			problems = append(problems, o.ID()+": app.kubernetes.io/instance is not the release name")
		}
		if ns := str(o, "metadata", "namespace"); ns != releaseNamespace {
			problems = append(problems, fmt.Sprintf("%s: namespace %q, want the release's %q", o.ID(), ns, releaseNamespace))
		}
		if len(o.Name()) > 63 {
			problems = append(problems, o.ID()+": name longer than 63 characters")
		}
		for k, v := range expect.Labels[o.Kind()] {
			if labels[k] != v {
				problems = append(problems, fmt.Sprintf("%s: label %s=%q, want %q", o.ID(), k, labels[k], v))
			}
		}
		if want := expect.Labels[o.Kind()+"/pod"]; want != nil {
			podLabels := stringMap(get(o, "spec", "template", "metadata", "labels"))
			for k, v := range want {
				if podLabels[k] != v {
					problems = append(problems, fmt.Sprintf("%s pods: label %s=%q, want %q", o.ID(), k, podLabels[k], v))
				}
			}
		}
	}
	return problems
}

func workloads(r *Rendered) []Object { return append(r.all("Deployment"), r.all("StatefulSet")...) }

func checkWorkloadSelectors(r *Rendered) []string {
	var problems []string
	for _, w := range workloads(r) {
		selector := stringMap(get(w, "spec", "selector", "matchLabels"))
		if len(selector) == 0 {
			problems = append(problems, w.ID()+": empty selector")
		}
		if !subset(selector, stringMap(get(w, "spec", "template", "metadata", "labels"))) {
			problems = append(problems, w.ID()+": selector does not match its pod template's labels")
		}
	}
	// Two workloads must not select each other's pods.
	ws := workloads(r)
	for i, a := range ws {
		for j, b := range ws {
			if i != j && subset(stringMap(get(a, "spec", "selector", "matchLabels")),
				stringMap(get(b, "spec", "template", "metadata", "labels"))) {
				problems = append(problems, a.ID()+" selects the pods of "+b.ID())
			}
		}
	}
	return problems
}

// podsOf is what a Service's selector must pick: pod labels and container ports of each
// workload, and in sidecar mode the Alertmanager pods (sidecar.alertmanagerSelector) holding
// the sidecar container.
type podSet struct {
	name   string
	labels map[string]string
	ports  map[string]bool // names and numbers
}

func pods(r *Rendered) []podSet {
	var out []podSet
	for _, w := range workloads(r) {
		out = append(out, podSet{w.ID(), stringMap(get(w, "spec", "template", "metadata", "labels")),
			containerPorts(list(get(w, "spec", "template", "spec", "containers")))})
	}
	if r.sidecar() {
		labels := stringMap(r.engine.values["sidecar"].(map[string]interface{})["alertmanagerSelector"])
		block, _ := sidecarBlock(r)
		out = append(out, podSet{"Alertmanager pods with the sidecar", labels,
			containerPorts(list(get(block, "alertmanager", "alertmanagerSpec", "containers")))})
	}
	return out
}

func containerPorts(containers []interface{}) map[string]bool {
	ports := map[string]bool{}
	for _, c := range containers {
		for _, p := range list(get(c, "ports")) {
			ports[str(p, "name")] = true
			ports[fmt.Sprint(get(p, "containerPort"))] = true
		}
	}
	return ports
}

func checkServices(r *Rendered) []string {
	var problems []string
	all := pods(r)
	for _, s := range r.all("Service") {
		selector := stringMap(get(s, "spec", "selector"))
		var matched []podSet
		for _, p := range all {
			if len(selector) > 0 && subset(selector, p.labels) {
				matched = append(matched, p)
			}
		}
		if len(matched) != 1 {
			problems = append(problems, fmt.Sprintf("%s selects %d pod sets, want exactly 1", s.ID(), len(matched)))
			continue
		}
		if r.sidecar() && s.Name() == fullname(r) && matched[0].name != "Alertmanager pods with the sidecar" {
			problems = append(problems, s.ID()+" does not select the Alertmanager pods in sidecar mode")
		}
		for _, p := range list(get(s, "spec", "ports")) {
			if target := fmt.Sprint(get(p, "targetPort")); !matched[0].ports[target] {
				problems = append(problems, fmt.Sprintf("%s: targetPort %s is not a port of %s", s.ID(), target, matched[0].name))
			}
		}
	}
	return problems
}

func fullname(r *Rendered) string {
	name, _ := r.engine.Include("postmortem-exporter.fullname")
	return strings.TrimSpace(name)
}

func checkServiceMonitor(r *Rendered) []string {
	var problems []string
	for _, sm := range r.all("ServiceMonitor") {
		selector := stringMap(get(sm, "spec", "selector", "matchLabels"))
		var selected []Object
		for _, s := range r.all("Service") {
			if subset(selector, stringMap(get(s, "metadata", "labels"))) {
				selected = append(selected, s)
			}
		}
		if len(selected) != 1 || selected[0].Name() != fullname(r) {
			problems = append(problems, fmt.Sprintf("%s selects %d Services, want only the daemon's %s", sm.ID(), len(selected), fullname(r)))
			continue
		}
		portNames := map[string]bool{}
		for _, p := range list(get(selected[0], "spec", "ports")) {
			portNames[str(p, "name")] = true
		}
		for _, e := range list(get(sm, "spec", "endpoints")) {
			if !portNames[str(e, "port")] {
				problems = append(problems, fmt.Sprintf("%s: endpoint port %q is not a port of the Service", sm.ID(), str(e, "port")))
			}
			if str(e, "path") != "/metrics" {
				problems = append(problems, sm.ID()+": endpoint path is not /metrics")
			}
		}
		names := list(get(sm, "spec", "namespaceSelector", "matchNames"))
		if len(names) != 1 || names[0] != releaseNamespace {
			problems = append(problems, sm.ID()+": namespaceSelector is not the release namespace")
		}
	}
	return problems
}

func checkStatefulSets(r *Rendered) []string {
	var problems []string
	for _, s := range r.all("StatefulSet") {
		svc := r.find("Service", str(s, "spec", "serviceName"))
		if svc == nil {
			problems = append(problems, s.ID()+": serviceName is not a rendered Service")
		} else if !subset(stringMap(get(svc, "spec", "selector")), stringMap(get(s, "spec", "template", "metadata", "labels"))) {
			problems = append(problems, s.ID()+": its serviceName's Service does not select its pods")
		}
		claims := map[string]bool{}
		for _, t := range list(get(s, "spec", "volumeClaimTemplates")) {
			claims[str(t, "metadata", "name")] = true
			if str(t, "spec", "resources", "requests", "storage") == "" {
				problems = append(problems, s.ID()+": a claim without a storage request")
			}
		}
		for _, c := range list(get(s, "spec", "template", "spec", "containers")) {
			args := strings.Join(stringList(get(c, "args")), " ")
			if !strings.Contains(args, "--appendonly yes") {
				problems = append(problems, s.ID()+": Redis without --appendonly yes")
			}
			for _, m := range list(get(c, "volumeMounts")) {
				if str(m, "mountPath") == "/data" && !claims[str(m, "name")] {
					problems = append(problems, s.ID()+": /data is not on a volumeClaimTemplate")
				}
			}
		}
	}
	return problems
}

// allContainers: each container with the pod security context that applies to it.
type containerInPod struct {
	where     string
	container interface{}
	pod       interface{} // the pod's securityContext, nil in sidecar mode (Alertmanager's)
}

func allContainers(r *Rendered) []containerInPod {
	var out []containerInPod
	for _, w := range workloads(r) {
		for _, c := range list(get(w, "spec", "template", "spec", "containers")) {
			out = append(out, containerInPod{w.ID() + " " + str(c, "name"), c, get(w, "spec", "template", "spec", "securityContext")})
		}
	}
	if r.sidecar() {
		block, _ := sidecarBlock(r)
		for _, c := range list(get(block, "alertmanager", "alertmanagerSpec", "containers")) {
			out = append(out, containerInPod{"sidecar " + str(c, "name"), c, nil})
		}
	}
	return out
}

func checkSecurity(r *Rendered) []string {
	var problems []string
	for _, c := range allContainers(r) {
		sc := get(c.container, "securityContext")
		nonRoot := get(sc, "runAsNonRoot") == true || get(c.pod, "runAsNonRoot") == true
		if !nonRoot {
			problems = append(problems, c.where+": runAsNonRoot is not true")
		}
		if get(sc, "readOnlyRootFilesystem") != true {
			problems = append(problems, c.where+": readOnlyRootFilesystem is not true")
		}
		if get(sc, "allowPrivilegeEscalation") != false {
			problems = append(problems, c.where+": allowPrivilegeEscalation is not false")
		}
		if !contains(stringList(get(sc, "capabilities", "drop")), "ALL") {
			problems = append(problems, c.where+": capabilities do not drop ALL")
		}
	}
	return problems
}

// daemonContainer is the postmortem-exporter container and its pod's volumes: from the
// Deployment, or in sidecar mode from the kube-prometheus-stack block of NOTES.txt.
func daemonContainer(r *Rendered) (container interface{}, volumes []interface{}, err error) {
	if r.sidecar() {
		block, err := sidecarBlock(r)
		if err != nil {
			return nil, nil, err
		}
		spec := get(block, "alertmanager", "alertmanagerSpec")
		containers := list(get(spec, "containers"))
		if len(containers) != 1 {
			return nil, nil, fmt.Errorf("the sidecar block has %d containers, want 1", len(containers))
		}
		return containers[0], list(get(spec, "volumes")), nil
	}
	deployments := r.all("Deployment")
	if len(deployments) != 1 {
		return nil, nil, fmt.Errorf("%d Deployments, want 1", len(deployments))
	}
	spec := get(deployments[0], "spec", "template", "spec")
	for _, c := range list(get(spec, "containers")) {
		if str(c, "name") == "postmortem-exporter" {
			return c, list(get(spec, "volumes")), nil
		}
	}
	return nil, nil, fmt.Errorf("no container postmortem-exporter in the Deployment")
}

func checkDaemonContainer(r *Rendered) []string {
	c, _, err := daemonContainer(r)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	ports := containerPorts([]interface{}{c})
	// A sidecar's readiness is Alertmanager's pod's: it must not follow Redis (see _container.tpl).
	readiness := "/-/ready"
	if r.sidecar() {
		readiness = "/-/healthy"
	}
	for probe, path := range map[string]string{"livenessProbe": "/-/healthy", "readinessProbe": readiness} {
		if got := str(c, probe, "httpGet", "path"); got != path {
			problems = append(problems, fmt.Sprintf("%s: path %q, want %q", probe, got, path))
		}
		if port := fmt.Sprint(get(c, probe, "httpGet", "port")); !ports[port] {
			problems = append(problems, fmt.Sprintf("%s: port %s is not a container port", probe, port))
		}
	}
	if get(c, "resources") == nil {
		problems = append(problems, "no resources")
	}
	if r.engine.values["mode"] == "standalone" {
		if d := r.all("Deployment"); len(d) == 1 && fmt.Sprint(get(d[0], "spec", "replicas")) != fmt.Sprint(r.engine.values["replicaCount"]) {
			problems = append(problems, "Deployment replicas is not replicaCount")
		}
	}
	return problems
}

// secretValue finds name/key in the rendered Secrets (data is base64) or the scenario's
// existing secrets.
func secretValue(r *Rendered, expect Expectation, name, key string) (string, error) {
	if s := r.find("Secret", name); s != nil {
		if v, ok := get(s, "stringData", key).(string); ok {
			return v, nil
		}
		if v, ok := get(s, "data", key).(string); ok {
			return decodeBase64(v)
		}
		return "", fmt.Errorf("Secret %s has no key %s", name, key)
	}
	if v, ok := expect.ExistingSecrets[name][key]; ok {
		return v, nil
	}
	return "", fmt.Errorf("Secret %s (key %s) is neither rendered nor an expected existing Secret", name, key)
}

func checkReferences(r *Rendered, expect Expectation) []string {
	var problems []string
	check := func(where string, container interface{}, volumes []interface{}) {
		byName := map[string]interface{}{}
		for _, v := range volumes {
			byName[str(v, "name")] = v
		}
		// In sidecar mode /data is on Alertmanager's own volume, which the block must not define.
		amVolume := alertmanagerVolume(r, container)
		for _, m := range list(get(container, "volumeMounts")) {
			v, ok := byName[str(m, "name")]
			if !ok && !strings.HasPrefix(where, "StatefulSet") && str(m, "name") != amVolume {
				problems = append(problems, fmt.Sprintf("%s: volumeMount %s has no volume", where, str(m, "name")))
			}
			if secret := str(v, "secret", "secretName"); secret != "" {
				for _, item := range list(get(v, "secret", "items")) {
					if _, err := secretValue(r, expect, secret, str(item, "key")); err != nil {
						problems = append(problems, where+": "+err.Error())
					}
				}
			}
			if cm := str(v, "configMap", "name"); cm != "" && r.find("ConfigMap", cm) == nil {
				problems = append(problems, fmt.Sprintf("%s: ConfigMap %s is not rendered", where, cm))
			}
		}
		for _, e := range list(get(container, "env")) {
			if ref := get(e, "valueFrom", "secretKeyRef"); ref != nil {
				if _, err := secretValue(r, expect, str(ref, "name"), str(ref, "key")); err != nil {
					problems = append(problems, where+": env "+str(e, "name")+": "+err.Error())
				}
			}
		}
	}
	for _, w := range workloads(r) {
		spec := get(w, "spec", "template", "spec")
		for _, c := range list(get(spec, "containers")) {
			check(w.ID(), c, list(get(spec, "volumes")))
		}
	}
	if r.sidecar() {
		c, volumes, err := daemonContainer(r)
		if err != nil {
			return append(problems, err.Error())
		}
		check("sidecar", c, volumes)
	}
	return problems
}

func checkPrometheusRule(r *Rendered, c CheckConfig) []string {
	var problems []string
	for _, rule := range r.all("PrometheusRule") {
		var file map[string]interface{}
		if err := readYAMLFile(filepath.Join(c.Repo, "monitoring/prometheus/postmortem-alerts.yml"), &file); err != nil {
			return []string{err.Error()}
		}
		want, _ := jsonRoundTrip(file["groups"])
		got := get(rule, "spec", "groups")
		if !reflect.DeepEqual(got, want) {
			problems = append(problems, rule.ID()+": spec.groups differ from monitoring/prometheus/postmortem-alerts.yml")
		}
		dir, _ := os.MkdirTemp("", "helm-rules-")
		path := filepath.Join(dir, "rules.yml")
		text, _ := marshalYAML(map[string]interface{}{"groups": got})
		_ = os.WriteFile(path, []byte(text), 0o644)
		out, err := exec.Command("promtool", "check", "rules", path).CombinedOutput()
		if err != nil {
			problems = append(problems, fmt.Sprintf("promtool check rules: %v\n%s", err, out))
		}
		os.RemoveAll(dir)
	}
	return problems
}

func checkDashboard(r *Rendered, c CheckConfig) []string {
	var problems []string
	want, err := os.ReadFile(filepath.Join(c.Repo, "monitoring/grafana/postmortem-dashboard.json"))
	if err != nil {
		return []string{err.Error()}
	}
	found := 0
	for _, cm := range r.all("ConfigMap") {
		if stringMap(get(cm, "metadata", "labels"))["grafana_dashboard"] != "1" {
			continue
		}
		found++
		for key, v := range stringMap(get(cm, "data")) {
			var parsed map[string]interface{}
			if err := json.Unmarshal([]byte(v), &parsed); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %s is not JSON: %v", cm.ID(), key, err))
			} else if parsed["uid"] != "postmortem-exporter" {
				problems = append(problems, cm.ID()+": the dashboard's uid is not postmortem-exporter")
			}
			if strings.TrimSpace(v) != strings.TrimSpace(string(want)) {
				problems = append(problems, cm.ID()+": "+key+" differs from monitoring/grafana/postmortem-dashboard.json")
			}
		}
	}
	if enabled := get(r.engine.values, "dashboard", "enabled") == true; enabled != (found == 1) {
		problems = append(problems, fmt.Sprintf("dashboard.enabled=%v but %d dashboard ConfigMaps", enabled, found))
	}
	return problems
}

// sidecarBlock is the kube-prometheus-stack values block of the sidecar mode, parsed.
func sidecarBlock(r *Rendered) (interface{}, error) {
	text, err := r.engine.Include("postmortem-exporter.sidecar.kubePrometheusStack")
	if err != nil {
		return nil, err
	}
	var block interface{}
	if err := yaml.Unmarshal([]byte(text), &block); err != nil {
		return nil, fmt.Errorf("the kube-prometheus-stack block is not YAML: %v", err)
	}
	return jsonRoundTrip(block)
}

// readmeBlock is the text between <!-- name:begin --> and <!-- name:end --> in the chart's
// README, without the code fence.
func readmeBlock(readme, name string) (string, bool) {
	begin := strings.Index(readme, "<!-- "+name+":begin -->")
	end := strings.Index(readme, "<!-- "+name+":end -->")
	if begin < 0 || end < begin {
		return "", false
	}
	block := readme[begin:end]
	lines := strings.Split(block, "\n")
	var kept []string
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "```") {
			kept = append(kept, l)
		}
	}
	return strings.TrimSpace(strings.Join(kept, "\n")), true
}

func checkNotes(r *Rendered, c CheckConfig) (problems []string) {
	notes, err := r.engine.Notes()
	if err != nil {
		return []string{"NOTES.txt: " + err.Error()}
	}
	config, err := r.engine.Include("postmortem-exporter.alertmanagerConfig")
	if err != nil {
		return []string{err.Error()}
	}
	var parsed interface{}
	if err := yaml.Unmarshal([]byte(config), &parsed); err != nil {
		problems = append(problems, "the Alertmanager configuration example is not YAML: "+err.Error())
	}
	url := str(list(get(list(get(parsed, "receivers"))[0], "webhook_configs"))[0], "url")
	if r.sidecar() != strings.HasPrefix(url, "http://localhost:") {
		problems = append(problems, "webhook url "+url+" does not fit the mode")
	}
	if !strings.Contains(notes, indent(config, "  ")) {
		problems = append(problems, "NOTES.txt does not show the Alertmanager configuration")
	}
	// README.md shows the blocks of the `default` and `sidecar` scenarios: they must be what
	// the chart renders.
	shown := map[string]string{}
	switch filepath.Base(c.Scenario) {
	case "default.yaml":
		shown["alertmanager-config-standalone"] = config
	case "sidecar.yaml":
		shown["alertmanager-config-sidecar"] = config
	}
	defer func() { problems = append(problems, checkReadme(c, shown)...) }()
	if !r.sidecar() {
		return problems
	}
	kps, err := r.engine.Include("postmortem-exporter.sidecar.kubePrometheusStack")
	if err != nil {
		return append(problems, err.Error())
	}
	chart, err := r.engine.Include("postmortem-exporter.sidecar.alertmanagerChart")
	if err != nil {
		return append(problems, err.Error())
	}
	if !strings.Contains(notes, indent(kps, "  ")) || !strings.Contains(notes, indent(chart, "  ")) {
		problems = append(problems, "NOTES.txt does not show both sidecar blocks")
	}
	blocks, err := sidecarBlocks(r)
	if err != nil {
		return append(problems, err.Error())
	}
	kpsPart, chartPart := blocks["kube-prometheus-stack"], blocks["alertmanager chart"]
	if !sameExceptDataVolume(kpsPart.container, chartPart.container) || !reflect.DeepEqual(kpsPart.volumes, chartPart.volumes) {
		problems = append(problems, "the kube-prometheus-stack and alertmanager chart blocks differ (beyond the Alertmanager volume's name)")
	}
	if _, ok := shown["alertmanager-config-sidecar"]; ok {
		shown["sidecar-kube-prometheus-stack"] = kps
		shown["sidecar-alertmanager-chart"] = chart
	}
	return problems
}

func checkReadme(c CheckConfig, blocks map[string]string) []string {
	if len(blocks) == 0 {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(c.Chart, "README.md"))
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for name, text := range blocks {
		shown, ok := readmeBlock(string(data), name)
		if !ok {
			problems = append(problems, "README.md has no block "+name)
		} else if shown != strings.TrimSpace(text) {
			problems = append(problems, "README.md's block "+name+" differs from the rendered one:\n"+text)
		}
	}
	return problems
}

func indent(text, prefix string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		} else {
			lines[i] = prefix
		}
	}
	return strings.Join(lines, "\n")
}

// Small accessors for decoded YAML/JSON.

func get(v interface{}, path ...string) interface{} {
	for _, p := range path {
		var m map[string]interface{}
		switch t := v.(type) {
		case map[string]interface{}:
			m = t
		case Object:
			m = t
		default:
			return nil
		}
		v = m[p]
	}
	return v
}

func str(v interface{}, path ...string) string { s, _ := get(v, path...).(string); return s }

func list(v interface{}) []interface{} { l, _ := v.([]interface{}); return l }

func stringMap(v interface{}) map[string]string {
	out := map[string]string{}
	if m, ok := v.(map[string]interface{}); ok {
		for k, x := range m {
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}

func stringList(v interface{}) []string {
	var out []string
	for _, x := range list(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func subset(small, big map[string]string) bool {
	for k, v := range small {
		if big[k] != v {
			return false
		}
	}
	return true
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func decodeBase64(s string) (string, error) {
	data, err := base64.StdEncoding.DecodeString(s)
	return string(data), err
}

// checkSchema validates the merged values against values.schema.json with ajv (draft 7, as
// Helm's validator), in strict mode so the schema itself stays clean.
func checkSchema(e *Engine, c CheckConfig, wantValid bool) []string {
	data, _ := json.Marshal(e.values)
	f, err := os.CreateTemp("", "helm-values-*.json")
	if err != nil {
		return []string{err.Error()}
	}
	defer os.Remove(f.Name())
	_, _ = f.Write(data)
	f.Close()
	out, err := exec.Command(c.Ajv, "validate", "--spec=draft7", "--strict=true", "--errors=text",
		"-s", filepath.Join(c.Chart, "values.schema.json"), "-d", f.Name()).CombinedOutput()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		return []string{"ajv: " + err.Error()}
	}
	valid := err == nil
	switch {
	case valid && !wantValid:
		return []string{"ajv accepts them"}
	case !valid && wantValid:
		return []string{"ajv: " + string(out)}
	case !valid:
		fmt.Printf("       (ajv: %s)\n", strings.TrimSpace(string(out)))
	}
	return nil
}
