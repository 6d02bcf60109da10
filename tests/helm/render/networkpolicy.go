package main

// The checks of the chart's NetworkPolicies (networkPolicy.enabled): each one isolates exactly
// one of the release's pod sets for ingress, opens only that pod set's container ports, and
// only to the peers the scenario's expectation lists. A policy on the bundled Redis must admit
// the daemon's pods, or the daemon would lose its store the moment the policy applies.

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// NetworkPolicyExpectation is what one NetworkPolicy (by name) must render.
type NetworkPolicyExpectation struct {
	Selects string        `yaml:"selects"` // the workload whose pods it selects, e.g. Deployment/postmortem-exporter
	Ports   []string      `yaml:"ports"`   // the ports of its ingress rules, in order
	From    []interface{} `yaml:"from"`    // the peers of its ingress rules, in order
}

func checkNetworkPolicies(r *Rendered, expect Expectation) []string {
	var problems []string
	policies := r.all("NetworkPolicy")
	var names, wantNames []string
	for _, p := range policies {
		names = append(names, p.Name())
	}
	for name := range expect.NetworkPolicies {
		wantNames = append(wantNames, name)
	}
	sort.Strings(names)
	sort.Strings(wantNames)
	if !reflect.DeepEqual(names, wantNames) {
		problems = append(problems, fmt.Sprintf("NetworkPolicies %v, want %v", names, wantNames))
	}
	all := pods(r)
	for _, p := range policies {
		selector := get(p, "spec", "podSelector")
		labels := stringMap(get(selector, "matchLabels"))
		if len(labels) == 0 || get(selector, "matchExpressions") != nil {
			problems = append(problems, p.ID()+": podSelector is not a non-empty matchLabels")
			continue
		}
		var selected []podSet
		for _, s := range all {
			if subset(labels, s.labels) {
				selected = append(selected, s)
			}
		}
		if len(selected) != 1 {
			problems = append(problems, fmt.Sprintf("%s selects %d pod sets, want exactly 1", p.ID(), len(selected)))
			continue
		}
		if types := stringList(get(p, "spec", "policyTypes")); !reflect.DeepEqual(types, []string{"Ingress"}) {
			problems = append(problems, fmt.Sprintf("%s: policyTypes %v, want [Ingress]", p.ID(), types))
		}
		var ports []string
		var from []interface{}
		for _, rule := range list(get(p, "spec", "ingress")) {
			// A rule without peers (or without ports) admits every source (or every port).
			if len(list(get(rule, "from"))) == 0 || len(list(get(rule, "ports"))) == 0 {
				problems = append(problems, p.ID()+": an ingress rule without from or without ports")
			}
			for _, port := range list(get(rule, "ports")) {
				number := fmt.Sprint(get(port, "port"))
				if !selected[0].ports[number] {
					problems = append(problems, fmt.Sprintf("%s: port %s is not a container port of %s", p.ID(), number, selected[0].name))
				}
				if protocol := str(port, "protocol"); protocol != "TCP" {
					problems = append(problems, fmt.Sprintf("%s: port %s has protocol %q, want TCP", p.ID(), number, protocol))
				}
				ports = append(ports, number)
			}
			from = append(from, list(get(rule, "from"))...)
		}
		if strings.HasPrefix(selected[0].name, "StatefulSet/") && !admitsDaemon(r, from) {
			problems = append(problems, p.ID()+": the bundled Redis does not admit the daemon's pods")
		}
		want, ok := expect.NetworkPolicies[p.Name()]
		if !ok {
			continue
		}
		if selected[0].name != want.Selects {
			problems = append(problems, fmt.Sprintf("%s selects %s, want %s", p.ID(), selected[0].name, want.Selects))
		}
		if !reflect.DeepEqual(ports, want.Ports) {
			problems = append(problems, fmt.Sprintf("%s: ports %v, want %v", p.ID(), ports, want.Ports))
		}
		// Both through JSON, so numbers and empty selectors ({}) compare alike.
		got, _ := jsonRoundTrip(from)
		wantFrom, err := jsonRoundTrip(want.From)
		if err != nil {
			problems = append(problems, err.Error())
		} else if !reflect.DeepEqual(got, wantFrom) {
			text, _ := marshalYAML(from)
			problems = append(problems, fmt.Sprintf("%s: from peers differ from the expectation; rendered:\n%s", p.ID(), text))
		}
	}
	return problems
}

// admitsDaemon: one of the peers picks the daemon's Deployment pods in the release namespace
// (a podSelector alone selects pods of the policy's own namespace).
func admitsDaemon(r *Rendered, peers []interface{}) bool {
	deployments := r.all("Deployment")
	if len(deployments) != 1 {
		return false
	}
	daemon := stringMap(get(deployments[0], "spec", "template", "metadata", "labels"))
	for _, peer := range peers {
		selector := get(peer, "podSelector")
		if selector == nil || get(peer, "ipBlock") != nil || get(selector, "matchExpressions") != nil {
			continue
		}
		if ns := get(peer, "namespaceSelector"); ns != nil {
			continue // only the release's namespace is sure to hold the daemon
		}
		if subset(stringMap(get(selector, "matchLabels")), daemon) {
			return true
		}
	}
	return false
}
