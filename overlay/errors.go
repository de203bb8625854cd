package overlay

import "errors"

// ErrHubClosed is returned by Attach after Close.
var ErrHubClosed = errors.New("overlay: hub closed")

// Close codes passed to Sender.Close. They are the WebSocket close codes
// (RFC 6455, section 7.4.1); other transports map them to their own means.
const (
	CloseNormal          = 1000 // the peer left or the transport ended
	CloseGoingAway       = 1001 // the hub is closing
	CloseUnsupportedData = 1003 // a binary message where only JSON is read
	ClosePolicyViolation = 1008 // a malformed or refused control message
	CloseMessageTooBig   = 1009 // a message over HubConfig.ReadLimit
	CloseInternalError   = 1011 // a send failed or timed out
)
