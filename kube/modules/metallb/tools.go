//go:build tools

// Pins MetalLB's speaker and controller for the peers benchmark and `lab up --lb metallb`: the real
// MetalLB, built here from its Go module, announces beside (never together with) baremetal-lb.
package tools

import (
	_ "go.universe.tf/metallb/controller"
	_ "go.universe.tf/metallb/speaker"
)
