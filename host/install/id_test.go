package install_test

import (
	"testing"

	"github.com/reprokit/reprokit/host/install"
	"github.com/reprokit/reprokit/host/native"
)

// The ID install writes into manifests is the one the host accepts. This is
// an external test package because host/native imports host/install (for the
// managed configuration), which an internal test could not import back.
func TestDefaultExtensionIDIsTheHostsPinnedID(t *testing.T) {
	if install.DefaultExtensionID != native.ExtensionID || !install.ValidExtensionID(install.DefaultExtensionID) {
		t.Errorf("install.DefaultExtensionID %q, native.ExtensionID %q", install.DefaultExtensionID, native.ExtensionID)
	}
}
