// Package overlay is the live feed of fused frames for broadcast graphics:
// the feed's schema, its JSON and binary encodings, and a Hub that fans
// frames out to WebSocket clients (and to any other transport).
//
// # Ownership
//
// This package owns the feed schema (Frame, Hello, Control), the encodings
// (AppendJSON, AppendBinary, DecodeJSON, DecodeBinary), the Hub and its
// WebSocket endpoint. It imports no other athlete3d package: the pipeline
// converts its own frames into Frame and calls Hub.Publish. The wire format
// is specified in docs/overlay-feed.md; change both together and bump
// SchemaVersion when a layout or a meaning changes.
//
// # Publishing
//
// Hub.Publish stamps the frame's publish time, encodes it once for each
// distinct (encoding, filter) among the clients and puts the encoded message
// in every client's queue. It does no I/O and never waits for a client, so
// it is safe to call from the pipeline's fan-out stage. The frame is not
// kept after Publish returns. Encoded frames come from a pool and are shared
// by reference count between the queues that hold them; steady state
// allocates nothing per frame.
//
// # Queues and backpressure
//
// Each client has its own bounded queue of HubConfig.QueueLen frames. When
// a frame arrives at a full queue the oldest frame in it is dropped and
// counted (ClientStats.Dropped, Stats.Dropped). Hello and replies to
// control messages are never dropped; a client that lets more than a few
// replies pile up is closed. A slow client therefore loses old frames and
// never delays Publish or the other clients.
//
// # Goroutines
//
// Every client has one writer goroutine (Client.run) that hands queued
// messages to its Sender and sends keepalive pings; it returns when the
// client is closed. Each WebSocket connection also keeps the ServeHTTP
// goroutine that upgraded it, reading control messages; it returns after the
// connection fails or the client is closed and its writer has returned.
// Hub.Close closes every client and waits for both kinds, so after Close no
// goroutine of the hub remains.
//
// # Security
//
// ServeHTTP refuses, before upgrading: a request whose Origin header is not
// in HubConfig.Origins (403; with no list, only same-host pages); a request
// without an accepted token when HubConfig.Tokens is not empty (401). The
// token comes from "Authorization: Bearer T" or, since browsers cannot set
// headers on a WebSocket, from the query parameter token=T; prefer wss so
// it is not sent in clear. With no tokens configured authentication is
// disabled. Requests without an Origin header come from programs, not
// browsers, and pass the origin check. Client messages are limited to
// HubConfig.ReadLimit bytes (1009 otherwise); a binary or malformed control
// message closes that client (1003, 1008) with a reason. None of this
// affects the other clients.
//
// # Other transports
//
// A transport other than WebSocket (a WebRTC data channel, say) registers a
// client with Hub.Attach, giving a Sender: Send delivers one message (text
// JSON or a binary frame), Close ends the transport with a WebSocket close
// code as the common vocabulary. The client then has exactly the queue, drop
// and filter semantics of a WebSocket client. The transport reads its peer's
// control messages itself, parses them with ParseControl and passes them to
// Client.Apply; when the peer goes away or misbehaves it calls Client.Close.
// A Sender that needs keepalives implements Pinger. The WebSocket endpoint
// in ws.go is itself built this way and is the example to follow.
//
// # WebRTC and the server
//
// WebRTC (webrtc.go) is such a transport: WHEP-style signalling (POST an SDP
// offer, get the answer, DELETE the session) over pion/webrtc, one data
// channel per session carrying a hub client. Each session has one goroutine
// (peer.run) that ends it, whatever the cause, by closing the client and
// the peer connection; WebRTC.Close waits for all of them. Server
// (server.go) routes /feed, /whep, the overlay and dashboard pages embedded
// from web/, and /status. See docs/overlay-feed.md.
package overlay
