// An HTTPS client on Go's net/http and crypto/tls, for the recording tests:
// `go_tls_client BASE_URL BODY_FILE START_FILE` prints "ready", waits until START_FILE exists (the test
// creates it once the recording runs), then over one keep-alive connection sends
//   GET BASE_URL/bytes/1000, POST BASE_URL/echo with BODY_FILE's bytes, GET BASE_URL/bytes/2000
// and prints each answer's status and length. The server's certificate is not checked (a test's own).
package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	base, bodyFile, startFile := os.Args[1], os.Args[2], os.Args[3]
	body, err := os.ReadFile(bodyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ready")
	for {
		if _, err := os.Stat(startFile); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	send := func(method, url string, payload []byte) {
		request, err := http.NewRequest(method, url, bytes.NewReader(payload))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if payload != nil {
			request.Header.Set("Content-Type", "application/octet-stream")
		}
		response, err := client.Do(request)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		answer, err := io.ReadAll(response.Body)
		response.Body.Close()
		if err != nil || response.StatusCode != http.StatusOK {
			fmt.Fprintln(os.Stderr, url, response.Status, err)
			os.Exit(1)
		}
		fmt.Printf("%s %d %d\n", url, response.StatusCode, len(answer))
	}
	send("GET", base+"/bytes/1000", nil)
	send("POST", base+"/echo", body)
	send("GET", base+"/bytes/2000", nil)
}
