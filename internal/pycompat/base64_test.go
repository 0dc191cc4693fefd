package pycompat

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// TestBase64AgainstPython compares B64Decode with Python's
// base64.b64decode on random inputs, when python3 is installed.
func TestBase64AgainstPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	const alphabet = "AB+/=-_ !Og9z"
	rng := rand.New(rand.NewPCG(1, 2))
	var inputs []string
	for range 3000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	in, _ := json.Marshal(inputs)
	cmd := exec.Command(py, "-c", `
import base64, binascii, json, sys
for s in json.load(sys.stdin):
    try:
        print(base64.b64decode(s).hex())
    except (ValueError, binascii.Error):
        print("ERR")
`)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("python3: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for i := 0; sc.Scan(); i++ {
		b, ok := B64Decode(inputs[i])
		got := "ERR"
		if ok {
			got = strings.ToLower(hexString(b))
		}
		if got != sc.Text() {
			t.Errorf("decode(%q) = %s, Python %s", inputs[i], got, sc.Text())
		}
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
