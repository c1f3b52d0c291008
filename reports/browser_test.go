package reports

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkPage loads the report in a same-origin frame and, once everything
// has loaded, writes how many images it has and which of them are broken.
const checkPage = `<!doctype html><html><body>
<iframe id="f" src="index.html" width="1280" height="4000"></iframe>
<pre id="out">pending</pre>
<script>
window.addEventListener('load', function () {
  var imgs = document.getElementById('f').contentDocument.images, bad = [];
  for (var i = 0; i < imgs.length; i++) {
    if (!imgs[i].complete || imgs[i].naturalWidth === 0) bad.push(imgs[i].getAttribute('src'));
  }
  document.getElementById('out').textContent = 'RESULT images=' + imgs.length + ' broken=' + bad.join(',') + ';';
});
</script></body></html>`

// chromium finds Debian's chromium (installed by .ci/run).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on this machine (.ci/run installs Debian's chromium package): the report is not checked in a browser")
	return ""
}

func headless(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir()}, args...)
	out, err := exec.CommandContext(ctx, bin, all...).Output()
	require.NoError(t, err, "chromium %v", args)
	return out
}

// The run and sweep reports, opened in headless Chromium as a reader
// opens them: every image loads, and the page renders to something that
// is not blank.
func TestReportsRenderInABrowser(t *testing.T) {
	bin := chromium(t)
	runDir := filepath.Join(t.TempDir(), "run")
	require.NoError(t, WriteRun(runDir, runOf(t, "leader-crash", 2)))
	sweepDir := filepath.Join(t.TempDir(), "sweep")
	require.NoError(t, WriteSweep(sweepDir, seedResults(t, "leader-crash", 1, 2)))

	for _, tt := range []struct {
		name, dir string
		images    int
	}{{"run", runDir, 3}, {"sweep", sweepDir, 3}} {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(filepath.Join(tt.dir, "check.html"), []byte(checkPage), 0o644))
			srv := httptest.NewServer(http.FileServer(http.Dir(tt.dir)))
			defer srv.Close()

			dom := headless(t, bin, "--virtual-time-budget=3000", "--dump-dom", srv.URL+"/check.html")
			m := regexp.MustCompile(`RESULT images=(\d+) broken=([^;]*);`).FindSubmatch(dom)
			require.NotNil(t, m, "the check did not run: %s", dom)
			n, _ := strconv.Atoi(string(m[1]))
			assert.GreaterOrEqual(t, n, tt.images, "images on the page")
			assert.Empty(t, string(m[2]), "broken images")

			shot := filepath.Join(t.TempDir(), "shot.png")
			headless(t, bin, "--virtual-time-budget=3000", "--window-size=1280,1600", "--screenshot="+shot, srv.URL+"/index.html")
			b, err := os.ReadFile(shot)
			require.NoError(t, err)
			img, err := png.Decode(bytes.NewReader(b))
			require.NoError(t, err)
			colors := map[uint32]bool{}
			bounds := img.Bounds()
			for y := bounds.Min.Y; y < bounds.Max.Y; y += 4 {
				for x := bounds.Min.X; x < bounds.Max.X; x += 4 {
					r, g, b, _ := img.At(x, y).RGBA()
					colors[r>>8<<16|g>>8<<8|b>>8] = true
				}
			}
			assert.Greater(t, len(colors), 50, "the screenshot is not blank")
		})
	}
}
