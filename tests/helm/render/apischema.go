package main

// Every rendered object, validated offline against the Kubernetes and prometheus-operator API
// schemas by tools/schema-check/validate-k8s.js (node, kubernetes-models): a wrong field type,
// a misspelt field or an unknown kind fails here rather than at `helm install`. In sidecar mode
// the printed blocks are validated too, as what they become: the kube-prometheus-stack block as
// the spec of an Alertmanager resource, the alertmanager chart block as a pod holding its
// containers and volumes (plus a stand-in for Alertmanager's own storage volume).

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func checkAPISchemas(r *Rendered, c CheckConfig) []string {
	docs := append([]Object(nil), r.objects...)
	if r.sidecar() {
		blocks, err := sidecarDocs(r)
		if err != nil {
			return []string{err.Error()}
		}
		docs = append(docs, blocks...)
	}
	var stream []string
	for _, o := range docs {
		text, err := marshalYAML(map[string]interface{}(o))
		if err != nil {
			return []string{o.ID() + ": " + err.Error()}
		}
		stream = append(stream, text)
	}
	f, err := os.CreateTemp("", "helm-manifests-*.yaml")
	if err != nil {
		return []string{err.Error()}
	}
	defer os.Remove(f.Name())
	_, _ = f.WriteString(strings.Join(stream, "---\n"))
	f.Close()
	script := filepath.Join(c.Repo, "tools/schema-check/validate-k8s.js")
	out, err := exec.Command("node", script, f.Name()).CombinedOutput()
	if err != nil {
		return []string{fmt.Sprintf("node %s: %v\n%s", script, err, strings.TrimSpace(string(out)))}
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	fmt.Printf("       (%s)\n", lines[len(lines)-1])
	return nil
}

// sidecarDocs are the two sidecar blocks as objects the API schemas know.
func sidecarDocs(r *Rendered) ([]Object, error) {
	kps, err := sidecarBlock(r)
	if err != nil {
		return nil, err
	}
	blocks, err := sidecarBlocks(r)
	if err != nil {
		return nil, err
	}
	meta := func(name string) map[string]interface{} {
		return map[string]interface{}{"name": name, "namespace": releaseNamespace}
	}
	alertmanager := Object{"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager",
		"metadata": meta("sidecar-block-kube-prometheus-stack"),
		"spec":     get(kps, "alertmanager", "alertmanagerSpec")}
	chart := blocks["alertmanager chart"]
	volumes := append([]interface{}(nil), chart.volumes...)
	if m := dataMount(chart.container); m != nil {
		volumes = append(volumes, map[string]interface{}{"name": str(m, "name"), "emptyDir": map[string]interface{}{}})
	}
	pod := Object{"apiVersion": "v1", "kind": "Pod", "metadata": meta("sidecar-block-alertmanager-chart"),
		"spec": map[string]interface{}{"containers": []interface{}{chart.container}, "volumes": volumes}}
	return []Object{alertmanager, pod}, nil
}
