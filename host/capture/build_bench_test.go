package capture

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The builder benchmark converts a synthetic recording of 2,000 requests
// with 200 MB of response bodies (text and binary, inline results and
// bodies/<n> files, as the recorder writes them) and reports throughput and
// the peak Go heap, which must stay far below the bodies' size. The
// baseline reads the same log line by line without building anything.

const (
	benchRequests = 2000
	benchBodySize = 100 << 10 // 2,000 × 100 KiB = 200 MiB of bodies
)

// benchLog writes the synthetic log into a temporary directory of b.
func benchLog(b *testing.B) (dir string, size int64) {
	b.Helper()
	dir = b.TempDir()
	if err := writeBenchLog(dir); err != nil {
		b.Fatal(err)
	}
	filepath.Walk(dir, func(_ string, fi os.FileInfo, _ error) error {
		if fi != nil && !fi.IsDir() {
			size += fi.Size()
		}
		return nil
	})
	return dir, size
}

func writeBenchLog(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "bodies"), 0o700); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, EventsFile))
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	text := strings.Repeat("{\"id\":12345,\"message\":\"hello world, this is a chat reply\"},", benchBodySize/58+1)[:benchBodySize]
	binary := make([]byte, benchBodySize)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	b64 := base64.StdEncoding.EncodeToString(binary)
	wall, mono := 1764183600.0, 1000.0
	for i := range benchRequests {
		id := fmt.Sprintf("1.%d", i)
		t := float64(i) * 0.01
		fmt.Fprintf(w, `{"time":%.3f,"method":"Network.requestWillBeSent","sessionId":"TAB","params":{"requestId":%q,"loaderId":"LD","documentURL":"http://a.test/","request":{"url":"http://a.test/api/item/%d?x=1","method":"GET","headers":{"Accept":"*/*","User-Agent":"Mozilla/5.0"},"initialPriority":"High"},"timestamp":%.3f,"wallTime":%.3f,"initiator":{"type":"script"},"type":"Fetch","frameId":"F1"}}`+"\n", wall+t, id, i, mono+t, wall+t)
		fmt.Fprintf(w, `{"time":%.3f,"method":"Network.requestWillBeSentExtraInfo","sessionId":"TAB","params":{"requestId":%q,"headers":{"Host":"a.test","Cookie":"sid=abc"}}}`+"\n", wall+t, id)
		fmt.Fprintf(w, `{"time":%.3f,"method":"Network.responseReceived","sessionId":"TAB","params":{"requestId":%q,"loaderId":"LD","timestamp":%.3f,"type":"Fetch","response":{"url":"http://a.test/api/item/%d?x=1","status":200,"statusText":"OK","headers":{"Content-Type":"application/json"},"mimeType":"application/json","connectionId":7,"remoteIPAddress":"127.0.0.1","encodedDataLength":120,"timing":{"requestTime":%.3f,"proxyStart":-1,"proxyEnd":-1,"dnsStart":-1,"dnsEnd":-1,"connectStart":-1,"connectEnd":-1,"sslStart":-1,"sslEnd":-1,"sendStart":0.1,"sendEnd":0.2,"receiveHeadersEnd":3},"protocol":"http/1.1"}}}`+"\n", wall+t+0.004, id, mono+t+0.004, i, mono+t+0.001)
		fmt.Fprintf(w, `{"time":%.3f,"method":"Network.dataReceived","sessionId":"TAB","params":{"requestId":%q,"timestamp":%.3f,"dataLength":%d,"encodedDataLength":%d}}`+"\n", wall+t+0.005, id, mono+t+0.005, benchBodySize, benchBodySize)
		fmt.Fprintf(w, `{"time":%.3f,"method":"Network.loadingFinished","sessionId":"TAB","params":{"requestId":%q,"timestamp":%.3f,"encodedDataLength":%d}}`+"\n", wall+t+0.006, id, mono+t+0.006, benchBodySize+120)
		switch i % 4 {
		case 0, 1: // text inline
			fmt.Fprintf(w, `{"time":%.3f,"method":"Network.getResponseBody","sessionId":"TAB","params":{"requestId":%q},"result":{"body":%q,"base64Encoded":false}}`+"\n", wall+t+0.007, id, text)
		case 2: // binary inline
			fmt.Fprintf(w, `{"time":%.3f,"method":"Network.getResponseBody","sessionId":"TAB","params":{"requestId":%q},"result":{"body":%q,"base64Encoded":true}}`+"\n", wall+t+0.007, id, b64)
		case 3: // spooled to a body file
			name := fmt.Sprintf("bodies/%d", i)
			if err := os.WriteFile(filepath.Join(dir, name), binary, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(w, `{"time":%.3f,"method":"Network.getResponseBody","sessionId":"TAB","params":{"requestId":%q},"result":{"bodyFile":%q,"base64Encoded":true,"size":%d}}`+"\n", wall+t+0.007, id, name, len(b64))
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// peakHeap samples the Go heap (live and not yet swept objects) while fn
// runs and returns the maximum. runtime/metrics does not stop the world, so
// sampling does not slow the work down.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return peak.Load()
}

// BenchmarkBuildHAR2000Requests200MB converts the synthetic log.
func BenchmarkBuildHAR2000Requests200MB(b *testing.B) {
	dir, size := benchLog(b)
	b.SetBytes(size)
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		p := peakHeap(func() {
			f, err := os.Open(filepath.Join(dir, EventsFile))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			if err := BuildHAR(f, io.Discard, BuildOptions{Dir: dir, TempDir: dir}); err != nil {
				b.Fatal(err)
			}
		})
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(size)/(1<<20), "input-MiB")
}

// BenchmarkBuildHARBaselineRead reads the same log and body files without
// building: the floor the builder is compared with.
func BenchmarkBuildHARBaselineRead(b *testing.B) {
	dir, size := benchLog(b)
	b.SetBytes(size)
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		buf := make([]byte, 1<<20)
		p := peakHeap(func() {
			filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
				if err != nil || fi.IsDir() {
					return err
				}
				f, err := os.Open(path)
				if err != nil {
					return err
				}
				defer f.Close()
				sc := bufio.NewScanner(f)
				sc.Buffer(buf, 64<<20)
				for sc.Scan() {
				}
				return sc.Err()
			})
		})
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkBuildHARBaselineDecode decodes every line of the log with
// encoding/json (into a map, then dropped) and reads the body files: the
// least any converter that parses the log must do, without building.
func BenchmarkBuildHARBaselineDecode(b *testing.B) {
	dir, size := benchLog(b)
	b.SetBytes(size)
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		buf := make([]byte, 1<<20)
		p := peakHeap(func() {
			filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
				if err != nil || fi.IsDir() {
					return err
				}
				f, err := os.Open(path)
				if err != nil {
					return err
				}
				defer f.Close()
				if filepath.Base(path) != EventsFile {
					_, err := io.CopyBuffer(io.Discard, f, buf)
					return err
				}
				sc := bufio.NewScanner(f)
				sc.Buffer(buf, 64<<20)
				for sc.Scan() {
					var m map[string]any
					if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
						return err
					}
				}
				return sc.Err()
			})
		})
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
