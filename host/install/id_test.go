package install

import (
	"testing"

	"github.com/reprokit/reprokit/host/native"
)

// The ID install writes into manifests is the one the host accepts.
func TestDefaultExtensionIDIsTheHostsPinnedID(t *testing.T) {
	if DefaultExtensionID != native.ExtensionID || !ValidExtensionID(DefaultExtensionID) {
		t.Errorf("install.DefaultExtensionID %q, native.ExtensionID %q", DefaultExtensionID, native.ExtensionID)
	}
}
