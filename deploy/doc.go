// Package deploy holds no code: the container recipe (Containerfile) and
// the Kubernetes manifests (kubernetes/) for a standalone cluster, and the
// test that checks they agree with each other and with the binaries'
// defaults.
package deploy
