package deploy

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The manifests' shapes, as far as the test reads them.
type manifest struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		// Service
		Type     string        `yaml:"type"`
		Selector yaml.Node     `yaml:"selector"`
		Ports    []servicePort `yaml:"ports"`
		Replicas *int          `yaml:"replicas"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				Containers []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type servicePort struct {
	Name       string `yaml:"name"`
	Port       int    `yaml:"port"`
	TargetPort string `yaml:"targetPort"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name      string `yaml:"name"`
		ValueFrom struct {
			FieldRef struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
}

// loadManifests parses every YAML document under kubernetes/, strictly
// (an unknown field of the shapes above is not an error: KnownFields is
// off, since the manifests carry more than the test reads).
func loadManifests(t *testing.T) map[string]manifest {
	t.Helper()
	out := map[string]manifest{}
	err := filepath.WalkDir("kubernetes", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var m manifest
			if err := dec.Decode(&m); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				t.Fatalf("%s: %v", path, err)
			}
			if m.APIVersion == "" || m.Kind == "" || m.Metadata.Name == "" {
				t.Fatalf("%s: a document without apiVersion, kind or name", path)
			}
			out[m.Kind+"/"+m.Metadata.Name] = m
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// dynamic returns a container's -D key=value arguments.
func dynamic(t *testing.T, c container) map[string]string {
	t.Helper()
	kv := map[string]string{}
	for i := 0; i < len(c.Args); i++ {
		if c.Args[i] != "-D" || i+1 == len(c.Args) {
			t.Fatalf("container %s: argument %q is not a -D key=value pair", c.Name, c.Args[i])
		}
		i++
		k, v, ok := strings.Cut(c.Args[i], "=")
		if !ok {
			t.Fatalf("container %s: -D %q has no '='", c.Name, c.Args[i])
		}
		kv[k] = v
	}
	return kv
}

func containerPort(t *testing.T, c container, name string) int {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	t.Fatalf("container %s has no port named %q", c.Name, name)
	return 0
}

// sourceDefault finds a binary's default in its source: the number in
// the first match of re.
func sourceDefault(t *testing.T, file string, re *regexp.Regexp) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", file))
	if err != nil {
		t.Fatal(err)
	}
	m := re.FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s: no match for %s", file, re)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// readKeys is every configuration key a string literal of the engine's
// non-test sources names: a key the manifests set must be one of them.
func readKeys(t *testing.T) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	lit := regexp.MustCompile(`"([a-z][a-zA-Z0-9-]*(?:\.[a-zA-Z0-9-]+)+)"`)
	for _, dir := range []string{"cmd", "planner", "runtime"} {
		filepath.WalkDir(filepath.Join("..", dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range lit.FindAllSubmatch(b, -1) {
				keys[string(m[1])] = true
			}
			return nil
		})
	}
	return keys
}

func TestKubernetesManifests(t *testing.T) {
	ms := loadManifests(t)
	svc, ok := ms["Service/flink-jobmanager"]
	if !ok {
		t.Fatalf("no Service flink-jobmanager; have %v", keysOf(ms))
	}
	jmDep, ok1 := ms["Deployment/flink-jobmanager"]
	tmDep, ok2 := ms["Deployment/flink-taskmanager"]
	if !ok1 || !ok2 || len(ms) != 3 {
		t.Fatalf("want the JobManager Service and Deployment and the TaskManager Deployment; have %v", keysOf(ms))
	}
	if *jmDep.Spec.Replicas != 1 {
		t.Errorf("JobManager replicas %d: there is one JobManager (no high availability yet)", *jmDep.Spec.Replicas)
	}

	// Flink's defaults, as the binaries have them.
	rpcDefault := sourceDefault(t, "cmd/jobmanager/main.go", regexp.MustCompile(`c\.Int\("jobmanager\.rpc\.port", (\d+)\)`))
	if tmRPC := sourceDefault(t, "cmd/taskmanager/main.go", regexp.MustCompile(`c\.Int\("jobmanager\.rpc\.port", (\d+)\)`)); tmRPC != rpcDefault || rpcDefault != 6123 {
		t.Fatalf("jobmanager.rpc.port defaults: jobmanager %d, taskmanager %d, Flink 6123", rpcDefault, tmRPC)
	}
	restDefault := sourceDefault(t, "cmd/jobmanager/main.go", regexp.MustCompile(`conf\["rest\.port"\] = "(\d+)"`))

	// The Service selects the JobManager's pods and exposes its ports.
	var sel map[string]string
	if err := svc.Spec.Selector.Decode(&sel); err != nil || len(sel) == 0 {
		t.Fatalf("Service selector: %v %v", sel, err)
	}
	selectsTM := true
	for k, v := range sel {
		if jmDep.Spec.Template.Metadata.Labels[k] != v {
			t.Errorf("Service selector %s=%s does not select the JobManager's pods %v", k, v, jmDep.Spec.Template.Metadata.Labels)
		}
		selectsTM = selectsTM && tmDep.Spec.Template.Metadata.Labels[k] == v
	}
	if selectsTM {
		t.Errorf("Service selector %v also selects the TaskManagers' pods", sel)
	}
	svcPorts := map[string]servicePort{}
	for _, p := range svc.Spec.Ports {
		svcPorts[p.Name] = p
	}
	if svcPorts["rpc"].Port != rpcDefault || svcPorts["rest"].Port != restDefault {
		t.Errorf("Service ports %+v, want rpc %d and rest %d", svc.Spec.Ports, rpcDefault, restDefault)
	}

	keys := readKeys(t)
	checkKeys := func(name string, conf map[string]string) {
		for k := range conf {
			if !keys[k] {
				t.Errorf("%s sets %q, a key no source reads (a typo?)", name, k)
			}
		}
	}

	// The JobManager listens where the Service sends.
	if len(jmDep.Spec.Template.Spec.Containers) != 1 {
		t.Fatal("the JobManager pod has one container")
	}
	jm := jmDep.Spec.Template.Spec.Containers[0]
	jmConf := dynamic(t, jm)
	checkKeys("the JobManager", jmConf)
	if len(jm.Command) != 1 || jm.Command[0] != "/jobmanager" {
		t.Errorf("JobManager command %v", jm.Command)
	}
	for _, c := range []struct {
		key, want string
	}{
		{"jobmanager.rpc.address", svc.Metadata.Name},
		{"jobmanager.rpc.port", strconv.Itoa(rpcDefault)},
		{"jobmanager.bind-host", "0.0.0.0"},
		{"rest.port", strconv.Itoa(restDefault)},
		{"rest.bind-address", "0.0.0.0"},
		{"rest.address", svc.Metadata.Name},
	} {
		if got, ok := jmConf[c.key]; ok && got != c.want || !ok && c.key != "jobmanager.rpc.port" && c.key != "rest.port" {
			t.Errorf("JobManager -D %s=%q, want %q", c.key, got, c.want)
		}
	}
	if p := containerPort(t, jm, svcPorts["rpc"].TargetPort); p != rpcDefault {
		t.Errorf("JobManager's rpc containerPort %d, want %d", p, rpcDefault)
	}
	if p := containerPort(t, jm, svcPorts["rest"].TargetPort); p != restDefault {
		t.Errorf("JobManager's rest containerPort %d, want %d", p, restDefault)
	}

	// TaskManagers reach the Service and advertise their pod's address.
	if len(tmDep.Spec.Template.Spec.Containers) != 1 {
		t.Fatal("the TaskManager pod has one container")
	}
	tm := tmDep.Spec.Template.Spec.Containers[0]
	tmConf := dynamic(t, tm)
	checkKeys("the TaskManager", tmConf)
	if len(tm.Command) != 1 || tm.Command[0] != "/taskmanager" || tm.Image != jm.Image {
		t.Errorf("TaskManager command %v image %q (JobManager's %q)", tm.Command, tm.Image, jm.Image)
	}
	if tmConf["jobmanager.rpc.address"] != svc.Metadata.Name {
		t.Errorf("TaskManager jobmanager.rpc.address %q, want the Service %q", tmConf["jobmanager.rpc.address"], svc.Metadata.Name)
	}
	if p, ok := tmConf["jobmanager.rpc.port"]; ok && p != strconv.Itoa(svcPorts["rpc"].Port) {
		t.Errorf("TaskManager jobmanager.rpc.port %s, Service's %d", p, svcPorts["rpc"].Port)
	}
	if p := containerPort(t, tm, "data"); strconv.Itoa(p) != tmConf["taskmanager.data.port"] {
		t.Errorf("TaskManager data containerPort %d, taskmanager.data.port %q", p, tmConf["taskmanager.data.port"])
	}
	if n, err := strconv.Atoi(tmConf["taskmanager.numberOfTaskSlots"]); err != nil || n < 1 {
		t.Errorf("taskmanager.numberOfTaskSlots %q", tmConf["taskmanager.numberOfTaskSlots"])
	}
	env := map[string]string{}
	for _, e := range tm.Env {
		env[e.Name] = e.ValueFrom.FieldRef.FieldPath
	}
	for key, want := range map[string]string{"taskmanager.host": "status.podIP", "taskmanager.resource-id": "metadata.name"} {
		v := tmConf[key]
		m := regexp.MustCompile(`^\$\(([A-Z_]+)\)$`).FindStringSubmatch(v)
		if m == nil || env[m[1]] != want {
			t.Errorf("TaskManager %s=%q should be $(VAR) with VAR from %s (env %v)", key, v, want, env)
		}
	}
	// Heartbeats: the same on both sides, interval below timeout.
	for _, k := range []string{"heartbeat.interval", "heartbeat.timeout"} {
		if jmConf[k] != tmConf[k] {
			t.Errorf("%s: JobManager %q, TaskManager %q", k, jmConf[k], tmConf[k])
		}
	}
}

func TestContainerfile(t *testing.T) {
	b, err := os.ReadFile("Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	cf := string(b)
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if goLine == nil || !strings.Contains(cf, "golang:"+string(goLine[1])+" ") {
		t.Errorf("the build stage's Go (golang:X.Y) should be go.mod's go %s", goLine[1])
	}
	for _, bin := range []string{"jobmanager", "taskmanager", "sql-client"} {
		if !strings.Contains(cf, "CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/"+bin+" ./cmd/"+bin) ||
			!regexp.MustCompile(`COPY --from=build [^\n]*/out/`+bin+`\b`).MatchString(cf) {
			t.Errorf("Containerfile does not build and copy a static %s", bin)
		}
	}
	expose := regexp.MustCompile(`(?m)^EXPOSE (.*)$`).FindStringSubmatch(cf)
	if expose == nil {
		t.Fatal("no EXPOSE line")
	}
	exposed := map[string]bool{}
	for _, p := range strings.Fields(expose[1]) {
		exposed[p] = true
	}
	for _, m := range loadManifests(t) {
		for _, c := range m.Spec.Template.Spec.Containers {
			for _, p := range c.Ports {
				if !exposed[strconv.Itoa(p.ContainerPort)] {
					t.Errorf("%s's port %s=%d is not in the Containerfile's EXPOSE %s", c.Name, p.Name, p.ContainerPort, expose[1])
				}
			}
			if !strings.HasPrefix(c.Command[0], "/") || !strings.Contains(cf, "/out/"+strings.TrimPrefix(c.Command[0], "/")) {
				t.Errorf("%s runs %v, which the image does not hold", c.Name, c.Command)
			}
		}
	}
	if !regexp.MustCompile(`(?m)^USER [1-9][0-9]*`).MatchString(cf) {
		t.Error("the image should run as a numeric non-root user (runAsNonRoot checks it)")
	}
}

func keysOf(ms map[string]manifest) []string {
	var out []string
	for k := range ms {
		out = append(out, k)
	}
	return out
}
