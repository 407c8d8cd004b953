#pragma once
// UpstreamWait: something a handler waits on upstream that is not a socket of its own, so that
// cancelling a socket cannot end it: an HTTP/2 stream (its connection carries other requests)
// or a connection another request is opening. The server connection cancels it as it cancels
// a watched socket: when the handler's deadline passes, and when the worker stops with the
// connection still open (http/close_connections.h), whose coroutine must then end at once.
// A wait watched after the connection was closed is cancelled as it is watched.

namespace paygate::http {

class UpstreamWait {
 public:
  // Ends the wait now and every later one on this object (worker thread).
  virtual void cancel_wait() = 0;

 protected:
  ~UpstreamWait() = default;
};

}  // namespace paygate::http
