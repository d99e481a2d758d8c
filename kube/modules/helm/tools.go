//go:build tools

// Pins helm's command for `npm run kube:build`: the chart tests run the real helm v4, built here.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
