//go:build tools

// Pins kube-vip for the peers benchmark and `lab up --lb kube-vip`. v1.2.3 is not served by the Go
// module proxy here; v1.2.2 is the nearest served release.
package tools

import _ "github.com/kube-vip/kube-vip"
