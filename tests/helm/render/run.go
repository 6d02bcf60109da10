package main

// Runs the rendered daemon container for real: the args and env as Kubernetes would expand
// them, the Secret and ConfigMap volumes written to temporary folders, and in Redis scenarios a
// real redis-server (the bundled StatefulSet's own command line, or a stand-in for an external
// Redis). The daemon must answer /-/ready within a deadline (polled), accept the webhook with
// the token from the Secret, and stop cleanly on SIGTERM.

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var envRef = regexp.MustCompile(`\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// expand replaces $(VAR) with the variable's value like Kubernetes does in args and env
// values: unknown references stay as they are, $$ is a literal $.
func expand(s string, env map[string]string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		if v, ok := env[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// resolveEnv evaluates a container's env list in order.
func resolveEnv(r *Rendered, expect Expectation, container interface{}) (map[string]string, error) {
	env := map[string]string{}
	for _, e := range list(get(container, "env")) {
		name := str(e, "name")
		if ref := get(e, "valueFrom", "secretKeyRef"); ref != nil {
			v, err := secretValue(r, expect, str(ref, "name"), str(ref, "key"))
			if err != nil {
				return nil, err
			}
			env[name] = v
		} else {
			env[name] = expand(str(e, "value"), env)
		}
	}
	return env, nil
}

// materializeMounts writes each mounted Secret or ConfigMap volume into a folder under dir,
// makes an empty writable folder for each claim, emptyDir and (sidecar) the Alertmanager volume,
// and returns mountPath -> folder (the subPath's folder when the mount has one, as the kubelet
// creates it).
func materializeMounts(r *Rendered, expect Expectation, container interface{}, volumes []interface{}, dir string) (map[string]string, error) {
	byName := map[string]interface{}{}
	for _, v := range volumes {
		byName[str(v, "name")] = v
	}
	mounts := map[string]string{}
	for i, m := range list(get(container, "volumeMounts")) {
		v := byName[str(m, "name")]
		folder := filepath.Join(dir, fmt.Sprintf("mount-%d", i), str(m, "subPath"))
		if err := os.MkdirAll(folder, 0o755); err != nil {
			return nil, err
		}
		files := map[string]string{} // path in the volume -> content
		switch {
		case get(v, "persistentVolumeClaim") != nil || get(v, "emptyDir") != nil ||
			(v == nil && str(m, "name") == alertmanagerVolume(r, container)):
			// Starts empty; the daemon writes here.
		case get(v, "secret") != nil:
			secret := str(v, "secret", "secretName")
			for _, item := range list(get(v, "secret", "items")) {
				value, err := secretValue(r, expect, secret, str(item, "key"))
				if err != nil {
					return nil, err
				}
				files[str(item, "path")] = value
			}
			if len(list(get(v, "secret", "items"))) == 0 {
				return nil, fmt.Errorf("secret volume %s without items: mount the keys explicitly", str(v, "name"))
			}
		case get(v, "configMap") != nil:
			cm := r.find("ConfigMap", str(v, "configMap", "name"))
			if cm == nil {
				return nil, fmt.Errorf("ConfigMap %s is not rendered", str(v, "configMap", "name"))
			}
			for k, content := range stringMap(get(cm, "data")) {
				files[k] = content
			}
		default:
			return nil, fmt.Errorf("volume %s: only secret, configMap, persistentVolumeClaim and emptyDir volumes are expected", str(m, "name"))
		}
		for path, content := range files {
			if err := os.WriteFile(filepath.Join(folder, path), []byte(content), 0o444); err != nil {
				return nil, err
			}
		}
		mounts[str(m, "mountPath")] = folder
	}
	return mounts, nil
}

// rewritePaths points every argument under a mount path at its folder (longest path first).
func rewritePaths(args []string, mounts map[string]string) []string {
	var paths []string
	for p := range mounts {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		for _, p := range paths {
			if strings.Contains(a, p) {
				out[i] = strings.Replace(a, p, mounts[p], 1)
				break
			}
		}
	}
	return out
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// pollUntil polls every 20 ms until cond is true or the deadline passes.
func pollUntil(deadline time.Duration, cond func() bool) bool {
	end := time.Now().Add(deadline)
	for time.Now().Before(end) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}

// Process is a child started by the check and stopped by its own pid.
type Process struct {
	cmd *exec.Cmd
	log string
}

func start(log string, argv ...string) (*Process, error) {
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	go func() { _ = cmd.Wait(); f.Close() }()
	return &Process{cmd: cmd, log: log}, nil
}

func (p *Process) exited() bool { return p.cmd.ProcessState != nil }

// stop sends SIGTERM and waits up to 10 s, then SIGKILLs. It returns the exit code (-1 if
// it had to be killed).
func (p *Process) stop() int {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if !pollUntil(10*time.Second, p.exited) {
		_ = p.cmd.Process.Kill()
		pollUntil(5*time.Second, p.exited)
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *Process) tail() string {
	data, _ := os.ReadFile(p.log)
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(data)
}

// One connection per request: an idle keep-alive connection would hold a daemon worker and
// delay its graceful stop.
var client = &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

func httpStatus(method, u, token, body string) (int, string) {
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// startRedis starts the Redis the daemon will use and returns the URL to give the daemon in
// place of the rendered one. With a bundled Redis it runs the StatefulSet container's own
// command line (its /data on a temporary folder), else a plain redis-server with the password
// the rendered URL carries.
func startRedis(r *Rendered, expect Expectation, rendered string, dir string) (*Process, string, string, error) {
	u, err := url.Parse(rendered)
	tls := expect.redisTLSServer
	switch {
	case err != nil:
		return nil, "", "", fmt.Errorf("--redis.url %q: %v", rendered, err)
	case tls == nil && u.Scheme != "redis":
		return nil, "", "", fmt.Errorf("--redis.url %q is not a redis:// URL", rendered)
	case tls != nil && u.Scheme != "rediss":
		return nil, "", "", fmt.Errorf("--redis.url %q is not a rediss:// URL, yet the scenario has redisTLS", rendered)
	}
	port, err := freePort()
	if err != nil {
		return nil, "", "", err
	}
	dataDir := filepath.Join(dir, "redis-data")
	_ = os.MkdirAll(dataDir, 0o755)
	var argv []string
	if sets := r.all("StatefulSet"); len(sets) == 1 {
		svc := str(sets[0], "spec", "serviceName")
		if want := svc + "." + releaseNamespace + ".svc:6379"; u.Host != want {
			return nil, "", "", fmt.Errorf("the daemon's Redis is %s, want the bundled Service %s", u.Host, want)
		}
		c := list(get(sets[0], "spec", "template", "spec", "containers"))[0]
		env, err := resolveEnv(r, expect, c)
		if err != nil {
			return nil, "", "", err
		}
		for _, a := range append(stringList(get(c, "command")), stringList(get(c, "args"))...) {
			argv = append(argv, strings.Replace(expand(a, env), "/data", dataDir, 1))
		}
		if argv[0] != "redis-server" {
			return nil, "", "", fmt.Errorf("the Redis container runs %s, not redis-server", argv[0])
		}
	} else {
		argv = []string{"redis-server", "--dir", dataDir, "--save", ""}
		if pw, ok := u.User.Password(); ok {
			argv = append(argv, "--requirepass", pw)
		}
	}
	if tls != nil {
		argv = append(argv, tls.redisServerTLSArgs(port)...)
	} else {
		argv = append(argv, "--port", strconv.Itoa(port))
	}
	argv = append(argv, "--bind", "127.0.0.1")
	p, err := start(filepath.Join(dir, "redis.log"), argv...)
	if err != nil {
		return nil, "", "", err
	}
	if !pollUntil(10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		p.stop()
		return nil, "", "", fmt.Errorf("redis-server did not listen: %s", p.tail())
	}
	u.Host = fmt.Sprintf("127.0.0.1:%d", port)
	return p, u.String(), dataDir, nil
}

// startClusterNode starts a Redis Cluster of one node owning every slot, standing in for the
// cluster that the rendered --redis.cluster names, and returns its address.
func startClusterNode(password, dir string) (*Process, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	busPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	nodeDir := filepath.Join(dir, "redis-cluster")
	_ = os.MkdirAll(nodeDir, 0o755)
	// The bus port is not port + 10000: redis-server refuses a port above 55535 otherwise.
	argv := []string{"redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", nodeDir, "--save", "", "--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(busPort)}
	if password != "" {
		argv = append(argv, "--requirepass", password)
	}
	p, err := start(filepath.Join(dir, "redis-cluster.log"), argv...)
	if err != nil {
		return nil, "", err
	}
	cli := func(command ...string) string {
		argv := []string{"-p", strconv.Itoa(port), "--no-auth-warning"}
		if password != "" {
			argv = append(argv, "-a", password)
		}
		out, _ := exec.Command("redis-cli", append(argv, command...)...).CombinedOutput()
		return string(out)
	}
	ok := pollUntil(10*time.Second, func() bool { return strings.TrimSpace(cli("ping")) == "PONG" }) &&
		strings.TrimSpace(cli("cluster", "addslotsrange", "0", "16383")) == "OK" &&
		pollUntil(10*time.Second, func() bool { return strings.Contains(cli("cluster", "info"), "cluster_state:ok") })
	if !ok {
		p.stop()
		return nil, "", fmt.Errorf("the Redis Cluster node did not come up: %s", p.tail())
	}
	return p, fmt.Sprintf("127.0.0.1:%d", port), nil
}

func runDaemon(r *Rendered, c CheckConfig, expect Expectation) (problems []string) {
	container, volumes, err := daemonContainer(r)
	if err != nil {
		return []string{err.Error()}
	}
	dir, err := os.MkdirTemp("", "helm-daemon-")
	if err != nil {
		return []string{err.Error()}
	}
	defer func() {
		if len(problems) == 0 {
			os.RemoveAll(dir)
		} else {
			problems = append(problems, "logs in "+dir)
		}
	}()
	env, err := resolveEnv(r, expect, container)
	if err != nil {
		return []string{err.Error()}
	}
	mounts, err := materializeMounts(r, expect, container, volumes, dir)
	if err != nil {
		return []string{err.Error()}
	}
	var args []string
	for _, a := range stringList(get(container, "args")) {
		args = append(args, expand(a, env))
	}
	args = rewritePaths(args, mounts)

	port, _ := freePort()
	token := ""
	var redisData, storeDir, renderedHost string
	clusterSeeds, inCluster := argValue(args, "--redis.cluster=")
	if want := strings.Join(expect.RedisCluster, ","); clusterSeeds != want {
		problems = append(problems, fmt.Sprintf("--redis.cluster is %q, want %q", clusterSeeds, want))
	}
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "--web.listen-address="):
			want := fmt.Sprintf(":%v", get(container, "ports").([]interface{})[0].(map[string]interface{})["containerPort"])
			if a != "--web.listen-address="+want {
				problems = append(problems, a+" does not listen on the container port "+want)
			}
			args[i] = fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port)
		case strings.HasPrefix(a, "--web.auth-token-file="):
			data, err := os.ReadFile(strings.TrimPrefix(a, "--web.auth-token-file="))
			if err != nil {
				return append(problems, "the token file is not in a mounted volume: "+err.Error())
			}
			token = strings.TrimSpace(string(data))
		case strings.HasPrefix(a, "--redis.url="):
			if strings.Contains(a, "$(") {
				return append(problems, "unexpanded variable in "+a)
			}
			rendered := strings.TrimPrefix(a, "--redis.url=")
			if inCluster { // only the credentials: the cluster node below gets the password
				break
			}
			redis, local, data, err := startRedis(r, expect, rendered, dir)
			if err != nil {
				return append(problems, err.Error())
			}
			defer redis.stop()
			args[i] = "--redis.url=" + local
			redisData = data
			if u, _ := url.Parse(rendered); expect.redisTLSServer != nil {
				renderedHost = u.Hostname()
			}
		case strings.HasPrefix(a, "--redis.cluster="):
			password := ""
			if rendered, ok := argValue(args, "--redis.url="); ok {
				u, err := url.Parse(rendered)
				if err != nil || u.Host != "" {
					return append(problems, fmt.Sprintf("--redis.url %q with --redis.cluster must carry only credentials", rendered))
				}
				password, _ = u.User.Password()
			}
			node, address, err := startClusterNode(password, dir)
			if err != nil {
				return append(problems, err.Error())
			}
			defer node.stop()
			args[i] = "--redis.cluster=" + address
		case strings.HasPrefix(a, "--storage.path="):
			storeDir = strings.TrimPrefix(a, "--storage.path=")
			if !filepath.IsAbs(storeDir) || !strings.HasPrefix(storeDir, dir) {
				return append(problems, a+" is not on a mounted volume: the root filesystem is read-only")
			}
		}
	}
	// Over TLS the URL's host became 127.0.0.1, which the server's certificate does not name:
	// the daemon is told to check the rendered host instead, as if DNS had led there. A rendered
	// --redis.tls-server-name is kept and decides.
	if _, named := argValue(args, "--redis.tls-server-name="); renderedHost != "" && !named {
		args = append(args, "--redis.tls-server-name="+renderedHost)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	daemon, failure := startReady(c, args, filepath.Join(dir, "daemon.log"), base)
	if daemon == nil {
		return append(problems, failure)
	}
	defer func() {
		if daemon != nil {
			daemon.stop()
		}
	}()
	fmt.Printf("       (ready with %s)\n", strings.Join(args, " "))
	if status, _ := httpStatus("GET", base+"/-/healthy", "", ""); status != 200 {
		problems = append(problems, fmt.Sprintf("/-/healthy answered %d", status))
	}
	// The start-up line says the store, in logfmt or JSON.
	if log := daemon.tail(); !strings.Contains(log, "store="+expect.Store) &&
		!strings.Contains(log, `"store":"`+expect.Store+`"`) {
		problems = append(problems, "the daemon did not start with store "+expect.Store)
	}
	webhook, err := os.ReadFile(filepath.Join(c.Repo, "tests/fixtures/alertmanager-0.25/01-firing-group-checkout.json"))
	if err != nil {
		return append(problems, err.Error())
	}
	if token != "" {
		if status, _ := httpStatus("POST", base+"/api/v1/webhook", "", string(webhook)); status != 401 {
			problems = append(problems, fmt.Sprintf("webhook without the token answered %d, want 401", status))
		}
	}
	if status, body := httpStatus("POST", base+"/api/v1/webhook", token, string(webhook)); status != 200 {
		problems = append(problems, fmt.Sprintf("webhook with the Secret's token answered %d: %s", status, body))
	}
	if expect.RCAs > 0 {
		_, body := httpStatus("GET", base+"/api/v1/rcas", "", "")
		var rcas struct {
			RCAs []interface{} `json:"rcas"`
		}
		if err := json.Unmarshal([]byte(body), &rcas); err != nil || len(rcas.RCAs) != expect.RCAs {
			problems = append(problems, fmt.Sprintf("GET /api/v1/rcas: want %d RCAs from --rca.dir, got %s", expect.RCAs, body))
		}
	}
	if len(r.all("StatefulSet")) == 1 && redisData != "" {
		if _, err := os.Stat(filepath.Join(redisData, "appendonlydir")); err != nil {
			problems = append(problems, "the bundled Redis wrote no append-only file: "+err.Error())
		}
	}
	if code := daemon.stop(); code != 0 {
		problems = append(problems, fmt.Sprintf("SIGTERM: exit code %d, want 0", code))
	}
	daemon = nil
	if storeDir != "" {
		problems = append(problems, checkStoreKept(c, args, dir, base, storeDir)...)
	}
	return problems
}

// startReady starts the daemon and waits until /-/ready answers 200; on failure it returns nil
// and what went wrong, with the end of the daemon's log.
func startReady(c CheckConfig, args []string, log, base string) (*Process, string) {
	daemon, err := start(log, append([]string{c.Daemon}, args...)...)
	if err != nil {
		return nil, err.Error()
	}
	ready := pollUntil(15*time.Second, func() bool {
		status, _ := httpStatus("GET", base+"/-/ready", "", "")
		return status == 200 || daemon.exited()
	})
	if status, _ := httpStatus("GET", base+"/-/ready", "", ""); !ready || status != 200 {
		daemon.stop()
		return nil, fmt.Sprintf("not ready with args %q:\n%s", args, daemon.tail())
	}
	return daemon, ""
}

// checkStoreKept: the embedded store wrote its database into the mounted folder, and a daemon
// started again on that folder (a container restart on the same volume) still has the incident
// of the webhook posted before.
func checkStoreKept(c CheckConfig, args []string, dir, base, storeDir string) []string {
	if _, err := os.Stat(filepath.Join(storeDir, "postmortem.db")); err != nil {
		return []string{"the embedded store wrote no database into its volume: " + err.Error()}
	}
	daemon, failure := startReady(c, args, filepath.Join(dir, "daemon-restarted.log"), base)
	if daemon == nil {
		return []string{"after a restart on the same volume: " + failure}
	}
	var problems []string
	_, body := httpStatus("GET", base+"/api/v1/incidents", "", "")
	var incidents struct {
		Incidents []interface{} `json:"incidents"`
	}
	if err := json.Unmarshal([]byte(body), &incidents); err != nil || len(incidents.Incidents) == 0 {
		problems = append(problems, "after a restart on the same volume the incident is gone: GET /api/v1/incidents = "+body)
	} else {
		fmt.Printf("       (restarted on %s: %d incident(s) kept)\n", storeDir, len(incidents.Incidents))
	}
	if code := daemon.stop(); code != 0 {
		problems = append(problems, fmt.Sprintf("SIGTERM after the restart: exit code %d, want 0", code))
	}
	return problems
}

// argValue is the value of the first argument starting with prefix (a flag and its "="), and
// whether there is one.
func argValue(args []string, prefix string) (string, bool) {
	for _, a := range args {
		if strings.HasPrefix(a, prefix) {
			return strings.TrimPrefix(a, prefix), true
		}
	}
	return "", false
}
