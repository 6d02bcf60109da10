package main

// The checks of the embedded store's storage (no Redis): the daemon gets --storage.path=/data
// and /data is a writable volume that outlives what the scenario says it must outlive.
//   - standalone: a PersistentVolumeClaim (the chart's or an existing one) or, with persistence
//     off, an emptyDir; strategy Recreate and one replica, since one pod at a time may hold the
//     ReadWriteOnce claim and the SQLite lock; fsGroup, so the non-root user can write the volume;
//   - sidecar: a sub-folder of the Alertmanager pod's own storage volume, in both printed blocks.
// With Redis there is none of this: no --storage.* flag, no /data, no claim, no forced strategy.

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// StorageExpectation is what holds --storage.path; absent when the daemon uses Redis.
type StorageExpectation struct {
	// persistentVolumeClaim or emptyDir (standalone), alertmanager (sidecar)
	Volume string `yaml:"volume"`
	// persistentVolumeClaim: the claimName, and whether the chart renders that claim
	Claim         string `yaml:"claim"`
	ExistingClaim bool   `yaml:"existingClaim"`
	// the whole spec of the rendered claim
	ClaimSpec map[string]interface{} `yaml:"claimSpec"`
	// alertmanager: the daemon's folder and the Alertmanager volume named in each block
	SubPath                   string `yaml:"subPath"`
	KubePrometheusStackVolume string `yaml:"kubePrometheusStackVolume"`
	AlertmanagerChartVolume   string `yaml:"alertmanagerChartVolume"`
}

const dataDir = "/data"

// dataMount is the container's volumeMount at /data, or nil.
func dataMount(container interface{}) interface{} {
	for _, m := range list(get(container, "volumeMounts")) {
		if str(m, "mountPath") == dataDir {
			return m
		}
	}
	return nil
}

// storageArgs are the container's --storage.* flags.
func storageArgs(container interface{}) []string {
	var out []string
	for _, a := range stringList(get(container, "args")) {
		if strings.HasPrefix(a, "--storage.") {
			out = append(out, a)
		}
	}
	return out
}

func checkStorage(r *Rendered, expect Expectation) []string {
	container, volumes, err := daemonContainer(r)
	if err != nil {
		return []string{err.Error()}
	}
	want := expect.Storage
	if want == nil {
		return checkNoStorage(r, container)
	}
	var problems []string
	args := stringList(get(container, "args"))
	sync := fmt.Sprint(get(r.engine.values, "storage", "sync"))
	for _, flag := range []string{"--storage.path=" + dataDir, "--storage.sync=" + sync} {
		if !contains(args, flag) {
			problems = append(problems, fmt.Sprintf("args %q lack %s", args, flag))
		}
	}
	mount := dataMount(container)
	if mount == nil {
		return append(problems, "no volumeMount at "+dataDir)
	}
	if get(mount, "readOnly") == true {
		problems = append(problems, dataDir+" is mounted read-only")
	}
	if r.sidecar() {
		return append(problems, checkSidecarStorage(r, want)...)
	}
	var volume interface{}
	for _, v := range volumes {
		if str(v, "name") == str(mount, "name") {
			volume = v
		}
	}
	if get(volume, want.Volume) == nil {
		problems = append(problems, fmt.Sprintf("%s is on volume %v, want a %s", dataDir, volume, want.Volume))
	}
	claims := r.all("PersistentVolumeClaim")
	if want.Volume == "persistentVolumeClaim" {
		if got := str(volume, "persistentVolumeClaim", "claimName"); got != want.Claim {
			problems = append(problems, fmt.Sprintf("claimName %q, want %q", got, want.Claim))
		}
		rendered := r.find("PersistentVolumeClaim", want.Claim)
		switch {
		case want.ExistingClaim && len(claims) > 0:
			problems = append(problems, "an existing claim is used, yet the chart renders a claim")
		case !want.ExistingClaim && rendered == nil:
			problems = append(problems, "the claim "+want.Claim+" is not rendered")
		}
		if rendered != nil {
			wantSpec, _ := jsonRoundTrip(want.ClaimSpec)
			if got := get(rendered, "spec"); !reflect.DeepEqual(got, wantSpec) {
				problems = append(problems, fmt.Sprintf("%s: spec %v, want %v", rendered.ID(), got, wantSpec))
			}
		}
	} else if len(claims) > 0 {
		problems = append(problems, fmt.Sprintf("%d claims rendered for a %s", len(claims), want.Volume))
	}
	// An emptyDir goes with the pod: the user must be told plainly.
	if want.Volume == "emptyDir" {
		if notes, err := r.engine.Notes(); err != nil || !strings.Contains(notes, "DATA IS LOST WHEN THE POD GOES") {
			problems = append(problems, "NOTES.txt does not say that the emptyDir's data is lost when the pod goes")
		}
	}
	d := r.all("Deployment")[0]
	if got := str(d, "spec", "strategy", "type"); got != "Recreate" {
		problems = append(problems, fmt.Sprintf("Deployment strategy %q, want Recreate: a RollingUpdate would start a second pod on the store", got))
	}
	if fmt.Sprint(get(d, "spec", "replicas")) != "1" {
		problems = append(problems, fmt.Sprintf("Deployment replicas %v, want 1 with the embedded store", get(d, "spec", "replicas")))
	}
	// The user is not root: only the volume's group (fsGroup) lets it write.
	if get(d, "spec", "template", "spec", "securityContext", "fsGroup") == nil {
		problems = append(problems, "the pod has no fsGroup: the non-root daemon could not write "+dataDir)
	}
	return problems
}

// checkNoStorage: with Redis, nothing of the embedded store.
func checkNoStorage(r *Rendered, container interface{}) []string {
	var problems []string
	if flags := storageArgs(container); len(flags) > 0 {
		problems = append(problems, fmt.Sprintf("the daemon uses Redis but gets %q", flags))
	}
	if dataMount(container) != nil {
		problems = append(problems, "the daemon uses Redis but mounts "+dataDir)
	}
	for _, c := range r.all("PersistentVolumeClaim") {
		problems = append(problems, "the daemon uses Redis but the chart renders "+c.ID())
	}
	// The strategy is left to Kubernetes (RollingUpdate): replicas share Redis, none holds a volume.
	for _, d := range r.all("Deployment") {
		if s := get(d, "spec", "strategy"); s != nil {
			problems = append(problems, fmt.Sprintf("%s: strategy %v, want the default with Redis", d.ID(), s))
		}
	}
	return problems
}

// checkSidecarStorage: both printed blocks mount the expected Alertmanager volume with the
// expected subPath, and neither adds that volume (it is Alertmanager's own).
func checkSidecarStorage(r *Rendered, want *StorageExpectation) []string {
	if want.Volume != "alertmanager" {
		return []string{"sidecar mode: expectation storage.volume must be alertmanager, not " + want.Volume}
	}
	var problems []string
	blocks, err := sidecarBlocks(r)
	if err != nil {
		return []string{err.Error()}
	}
	for name, volume := range map[string]string{"kube-prometheus-stack": want.KubePrometheusStackVolume,
		"alertmanager chart": want.AlertmanagerChartVolume} {
		b := blocks[name]
		mount := dataMount(b.container)
		if mount == nil {
			problems = append(problems, name+" block: no volumeMount at "+dataDir)
			continue
		}
		if str(mount, "name") != volume || str(mount, "subPath") != want.SubPath {
			problems = append(problems, fmt.Sprintf("%s block: %s on volume %q subPath %q, want %q subPath %q",
				name, dataDir, str(mount, "name"), str(mount, "subPath"), volume, want.SubPath))
		}
		for _, v := range b.volumes {
			if str(v, "name") == volume {
				problems = append(problems, name+" block adds a volume "+volume+": it must be Alertmanager's own")
			}
		}
	}
	return problems
}

// sidecarPart is the daemon's container and the volumes one sidecar block adds.
type sidecarPart struct {
	container interface{}
	volumes   []interface{}
}

// sidecarBlocks parses both printed blocks: kube-prometheus-stack and the alertmanager chart.
func sidecarBlocks(r *Rendered) (map[string]sidecarPart, error) {
	kps, err := sidecarBlock(r)
	if err != nil {
		return nil, err
	}
	text, err := r.engine.Include("postmortem-exporter.sidecar.alertmanagerChart")
	if err != nil {
		return nil, err
	}
	var chart interface{}
	if err := yaml.Unmarshal([]byte(text), &chart); err != nil {
		return nil, fmt.Errorf("the alertmanager chart block is not YAML: %v", err)
	}
	chart, _ = jsonRoundTrip(chart)
	spec := get(kps, "alertmanager", "alertmanagerSpec")
	parts := map[string]sidecarPart{
		"kube-prometheus-stack": {first(list(get(spec, "containers"))), list(get(spec, "volumes"))},
		"alertmanager chart":    {first(list(get(chart, "extraContainers"))), list(get(chart, "extraVolumes"))},
	}
	return parts, nil
}

func first(l []interface{}) interface{} {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}

// alertmanagerVolume is, in sidecar mode, the name of the Alertmanager storage volume that the
// kube-prometheus-stack block mounts at /data ("" otherwise): the block does not define it.
func alertmanagerVolume(r *Rendered, container interface{}) string {
	if !r.sidecar() {
		return ""
	}
	if m := dataMount(container); m != nil {
		return str(m, "name")
	}
	return ""
}

// sameExceptDataVolume compares the containers of the two sidecar blocks, which differ only in
// the name of the Alertmanager volume under /data.
func sameExceptDataVolume(a, b interface{}) bool {
	norm := func(c interface{}) interface{} {
		copied, _ := jsonRoundTrip(c)
		if m := dataMount(copied); m != nil {
			m.(map[string]interface{})["name"] = "<alertmanager storage volume>"
		}
		return copied
	}
	return reflect.DeepEqual(norm(a), norm(b))
}
