package overlay

import (
	"sync"
	"sync/atomic"
)

// MessageKind tells a Sender how to carry a message.
type MessageKind uint8

// Message kinds.
const (
	TextMessage   MessageKind = iota + 1 // UTF-8 JSON
	BinaryMessage                        // a binary frame
)

// message is one encoded message shared by every client queue it is in.
// Frames come from a pool and count their references: Publish holds one
// while it hands the message out, each queue holding it another; the last
// release returns it to the pool. Other messages (hello, replies) are left
// to the garbage collector.
type message struct {
	kind  MessageKind
	frame bool // a pooled frame: may be dropped from a full queue
	refs  atomic.Int32
	data  []byte
}

var messagePool = sync.Pool{New: func() any { return &message{frame: true} }}

func newFrameMessage(kind MessageKind) *message {
	m := messagePool.Get().(*message)
	m.kind = kind
	m.refs.Store(1)
	return m
}

func (m *message) retain() {
	if m.frame {
		m.refs.Add(1)
	}
}

func (m *message) release() {
	if !m.frame {
		return
	}
	switch n := m.refs.Add(-1); {
	case n == 0:
		m.data = m.data[:0]
		messagePool.Put(m)
	case n < 0:
		panic("overlay: message released more often than retained")
	}
}
