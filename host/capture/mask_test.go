package capture

import (
	"strings"
	"testing"
)

// host/replay masks its screenshots with the exported mask, so it must
// keep covering what the recorder masks.
func TestTheExportedMaskCoversPasswordsAndPrivateElements(t *testing.T) {
	for _, sel := range []string{"input[type=password]", "[data-private]", "[data-private] *"} {
		if !strings.Contains(MaskCSS, sel) {
			t.Errorf("MaskCSS lacks %s", sel)
		}
	}
	on, off := MaskExpression(true), MaskExpression(false)
	if !strings.Contains(on, MaskCSS) || !strings.HasSuffix(on, "(true)") || !strings.HasSuffix(off, "(false)") {
		t.Errorf("MaskExpression does not apply MaskCSS:\n%s", on)
	}
	if !strings.Contains(screencastMaskScript, MaskExpression(true)) {
		t.Errorf("the screencast does not keep the same mask on")
	}
}
