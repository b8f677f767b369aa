package sanitize

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestPathsAreNotTakenForGeneratedTokens(t *testing.T) {
	r := New(DefaultPolicy())
	for _, v := range []string{
		"/log/entries/37/_webSocketMessages/1/data",
		"/static/js/main.8f3a2b1c.chunk.js",
		"assets/img/hero-banner.2c1f9a7e.webp/2x",
	} {
		var out bytes.Buffer
		if err := r.JSON(&out, strings.NewReader(`{"path":"`+v+`"}`), "x.json"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), v) {
			t.Errorf("the path %q was redacted: %s", v, out.String())
		}
	}
	for _, v := range []string{
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"q8Zk2Lm9/Xp4Wc7R/kV3Tn6Yb1Hd5Jf0Gs2Aa",
	} {
		var out bytes.Buffer
		if err := r.JSON(&out, strings.NewReader(`{"v":"`+v+`"}`), "x.json"); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), v) {
			t.Errorf("the token %q with slashes survived: %s", v, out.String())
		}
	}
}

// Random standard-base64 values with slashes almost never read as paths.
func TestRandomBase64IsNotPathLike(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 30)
	withSlashes, pathy := 0, 0
	for range 100000 {
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		v := base64.RawStdEncoding.EncodeToString(buf)
		if strings.Count(v, "/") < 2 || !highEntropy(v, 32, 4.05) {
			continue
		}
		withSlashes++
		if pathLike(v) {
			pathy++
		}
	}
	if withSlashes < 1000 || pathy*10000 > withSlashes {
		t.Errorf("%d of %d random high-entropy base64 values with slashes read as paths (want under 0.01%%)", pathy, withSlashes)
	}
}
