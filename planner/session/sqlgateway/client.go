package sqlgateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/flinkgo/engine/planner/session/httpjson"
)

// Client is a gateway session seen from the client. See the package
// documentation for the call order.
type Client struct {
	base    string // http://host:port
	http    *http.Client
	session string
}

// Failure is a statement that failed on the gateway: Text is the error as
// Flink's client prints it ("<Class>: <message>").
type Failure struct{ Text string }

func (f *Failure) Error() string { return f.Text }

// Dial opens a session on the gateway at endpoint (host:port or a URL)
// with the given properties (the client's -D options).
func Dial(ctx context.Context, endpoint string, props map[string]string) (*Client, error) {
	base := endpoint
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	base = strings.TrimSuffix(base, "/")
	c := &Client{base: base, http: &http.Client{}}
	var info infoResponse
	if err := c.call(ctx, http.MethodGet, "/v1/info", nil, &info); err != nil {
		return nil, fmt.Errorf("Could not connect to the SQL Gateway at %s: %w", base, err)
	}
	var open openSessionResponse
	if err := c.call(ctx, http.MethodPost, "/v2/sessions", openSessionRequest{SessionName: "sql-client", Properties: props}, &open); err != nil {
		return nil, fmt.Errorf("Could not open a session on the SQL Gateway at %s: %w", base, err)
	}
	c.session = open.SessionHandle
	return c, nil
}

// Endpoint is the gateway's base URL.
func (c *Client) Endpoint() string { return c.base }

// Session is the session handle.
func (c *Client) Session() string { return c.session }

// Submit sends one statement; it returns the operation handle at once.
func (c *Client) Submit(ctx context.Context, statement string) (string, error) {
	var resp executeStatementResponse
	err := c.call(ctx, http.MethodPost, "/v2/sessions/"+c.session+"/statements", executeStatementRequest{Statement: statement}, &resp)
	return resp.OperationHandle, err
}

// Fetch fetches the page of token in PLAIN_TEXT; a failed statement or
// query is a *Failure.
func (c *Client) Fetch(ctx context.Context, op string, token int64) (*FetchResults, error) {
	var page FetchResults
	path := fmt.Sprintf("/v2/sessions/%s/operations/%s/result/%d?rowFormat=%s", c.session, op, token, RowFormatPlainText)
	if err := c.call(ctx, http.MethodGet, path, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// Status is the operation's status.
func (c *Client) Status(ctx context.Context, op string) (string, error) {
	var st statusResponse
	err := c.call(ctx, http.MethodGet, "/v2/sessions/"+c.session+"/operations/"+op+"/status", nil, &st)
	return st.Status, err
}

// Cancel cancels the operation (its query's job ends).
func (c *Client) Cancel(ctx context.Context, op string) error {
	return c.call(ctx, http.MethodPost, "/v2/sessions/"+c.session+"/operations/"+op+"/cancel", nil, nil)
}

// CloseOperation frees the operation on the gateway.
func (c *Client) CloseOperation(ctx context.Context, op string) error {
	return c.call(ctx, http.MethodDelete, "/v2/sessions/"+c.session+"/operations/"+op+"/close", nil, nil)
}

// Heartbeat keeps the session from being closed as idle.
func (c *Client) Heartbeat(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/v2/sessions/"+c.session+"/heartbeat", nil, nil)
}

// Close closes the session; the jobs it submitted keep running.
func (c *Client) Close(ctx context.Context) error {
	return c.call(ctx, http.MethodDelete, "/v2/sessions/"+c.session, nil, nil)
}

// call sends a request and decodes the answer into out (nil: ignored).
// Connection failures are retried for a while (a restarting gateway);
// answers are not.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	var resp *http.Response
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err = c.http.Do(req)
		if err == nil {
			break
		}
		// Only requests that change nothing when repeated are retried.
		if attempt >= 4 || ctx.Err() != nil || method != http.MethodGet {
			var ue *url.Error
			if ok := asURLError(err, &ue); ok {
				return ue.Err
			}
			return err
		}
		time.Sleep(time.Duration(200*(attempt+1)) * time.Millisecond)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e httpjson.ErrorBody
		if json.Unmarshal(data, &e) == nil && len(e.Errors) > 0 {
			if resp.StatusCode == http.StatusInternalServerError && len(e.Errors) > 1 {
				return &Failure{Text: e.Errors[len(e.Errors)-1]}
			}
			return fmt.Errorf("%s (HTTP %d)", strings.Join(e.Errors, "; "), resp.StatusCode)
		}
		return fmt.Errorf("HTTP %d from %s %s", resp.StatusCode, method, path)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

func asURLError(err error, target **url.Error) bool {
	ue, ok := err.(*url.Error)
	if ok {
		*target = ue
	}
	return ok
}
