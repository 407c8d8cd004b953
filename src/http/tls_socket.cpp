#include "http/tls_socket.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

namespace paygate::http {

namespace asio = boost::asio;
using boost::system::error_code;

// OpenSSL's view of the connection: reads come from the staging buffer (WANT_READ when it is
// empty), writes go to the socket with send(2).
class TlsSocket::Bio {
 public:
  static BIO* make(TlsSocket* owner) {
    BIO* bio = BIO_new(method());
    if (bio != nullptr) BIO_set_data(bio, owner);
    return bio;
  }

 private:
  static const BIO_METHOD* method() {
    static const BIO_METHOD* const made = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "paygate staged");
      BIO_meth_set_read(m, read);
      BIO_meth_set_write_ex(m, write);
      BIO_meth_set_ctrl(m, control);
      BIO_meth_set_create(m, [](BIO* b) {
        BIO_set_init(b, 1);
        return 1;
      });
      return m;
    }();
    return made;
  }

  static TlsSocket& owner(BIO* b) { return *static_cast<TlsSocket*>(BIO_get_data(b)); }

  // The classic signature: -1 tells an error from the end of stream (0), which read_ex cannot.
  static int read(BIO* b, char* out, int size) {
    BIO_clear_retry_flags(b);
    Staging& staging = owner(b).staging_;
    const std::size_t available = staging.end - staging.begin;
    if (available > 0) {
      const std::size_t taken = std::min(static_cast<std::size_t>(size), available);
      std::memcpy(out, staging.bytes.get() + staging.begin, taken);
      staging.begin += taken;
      if (staging.begin == staging.end) staging.begin = staging.end = 0;
      return static_cast<int>(taken);
    }
    if (!staging.ended) {
      BIO_set_retry_read(b);
      return -1;
    }
    if (staging.ended == asio::error::eof) return 0;
    errno = staging.ended.value();  // read by the caller, as after a failed read(2)
    return -1;
  }

  static int write(BIO* b, const char* data, std::size_t size, std::size_t* done) {
    BIO_clear_retry_flags(b);
    const ssize_t sent = ::send(owner(b).socket_.native_handle(), data, size, MSG_NOSIGNAL);
    if (sent >= 0) {
      *done = static_cast<std::size_t>(sent);
      return 1;
    }
    *done = 0;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(b);
    return 0;
  }

  static long control(BIO* b, int command, long /*number*/, void* /*pointer*/) {
    switch (command) {
      case BIO_CTRL_FLUSH:
        return 1;  // nothing is held back: every write went to send(2)
      case BIO_CTRL_PENDING: {
        const Staging& staging = owner(b).staging_;
        return static_cast<long>(staging.end - staging.begin);
      }
      case BIO_CTRL_EOF: {
        const Staging& staging = owner(b).staging_;
        return staging.begin == staging.end && staging.ended == asio::error::eof ? 1 : 0;
      }
      default:
        return 0;
    }
  }
};

TlsSocket::TlsSocket(asio::ip::tcp::socket socket, SSL* ssl)
    : socket_(std::move(socket)), ssl_(ssl) {
  // A peer that went away must be an error on the connection, not a signal that ends the
  // process (send(2) is called with MSG_NOSIGNAL; this covers any other write).
  static std::once_flag sigpipe_ignored;
  std::call_once(sigpipe_ignored, [] { std::signal(SIGPIPE, SIG_IGN); });
  error_code ignored;
  socket_.non_blocking(true, ignored);
  BIO* bio = Bio::make(this);
  SSL_set_bio(ssl_, bio, bio);
  SSL_set_accept_state(ssl_);
  // Partial writes let a write return what went out; the retry may pass the rest from another
  // address (the caller's buffer moves on).
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // A client that closes without close_notify ends the stream (HTTP frames its messages, RFC
  // 9112 section 9.8); taken for a fatal error, it would also drop the session from the cache.
  SSL_set_options(ssl_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  // OpenSSL takes whatever is staged at once, not a record header and then its body.
  SSL_set_read_ahead(ssl_, 1);
}

TlsSocket::~TlsSocket() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

TlsSocket::TlsSocket(TlsSocket&& other) noexcept
    : socket_(std::move(other.socket_)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      staging_(std::move(other.staging_)),
      early_(other.early_),
      blocked_(other.blocked_),
      read_was_early_(other.read_was_early_) {
  if (ssl_ != nullptr) BIO_set_data(SSL_get_rbio(ssl_), this);
}

asio::mutable_buffer TlsSocket::staging_space() {
  if (!staging_.bytes || (staging_.filled && staging_.size < Staging::kRecordSize)) {
    const std::size_t size = staging_.bytes ? Staging::kRecordSize : Staging::kFirstSize;
    auto bytes = std::make_unique_for_overwrite<char[]>(size);
    const std::size_t unread = staging_.end - staging_.begin;
    if (unread > 0) std::memcpy(bytes.get(), staging_.bytes.get() + staging_.begin, unread);
    staging_.bytes = std::move(bytes);
    staging_.size = size;
    staging_.begin = 0;
    staging_.end = unread;
  }
  staging_.filled = false;
  return asio::buffer(staging_.bytes.get() + staging_.end, staging_.size - staging_.end);
}

error_code TlsSocket::staged(error_code error, std::size_t bytes) {
  staging_.receiving = false;
  if (error == asio::error::operation_aborted) return error;
  staging_.end += bytes;
  staging_.filled = staging_.end == staging_.size;
  if (error && !staging_.ended) staging_.ended = error;
  return {};
}

void TlsSocket::send_close_notify() {
  if (ssl_ == nullptr || SSL_is_init_finished(ssl_) != 1) return;
  if ((SSL_get_shutdown(ssl_) & SSL_SENT_SHUTDOWN) != 0) return;
  errno = 0;
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

TlsSocket::Step TlsSocket::step_of(int result, error_code& error) {
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      return Step::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Step::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      error = asio::error::eof;  // the peer's close_notify
      return Step::kFailed;
    case SSL_ERROR_SYSCALL:
      // A reset, or an end of stream without close_notify: the connection is over either way.
      error = errno != 0 ? error_code(errno, asio::error::get_system_category())
                         : error_code(asio::ssl::error::stream_truncated);
      ERR_clear_error();
      return Step::kFailed;
    default: {
      const unsigned long code = ERR_peek_last_error();
      error = code != 0 ? error_code(static_cast<int>(code), asio::error::get_ssl_category())
                        : error_code(asio::error::fault);
      ERR_clear_error();  // the thread's queue stays clean for the crypto that follows
      return Step::kFailed;
    }
  }
}

TlsSocket::Step TlsSocket::try_handshake(error_code& error) {
  ERR_clear_error();
  errno = 0;
  const int r = SSL_do_handshake(ssl_);
  return r == 1 ? Step::kDone : step_of(r, error);
}

TlsSocket::Step TlsSocket::note_attempt(Blocked self, Step step) {
  if (step == Step::kWantWrite) {
    blocked_ = self;
  } else if (blocked_ == self) {
    blocked_ = Blocked::kNone;
  }
  return step;
}

// Early bytes are handed over as soon as there are any: the requests they carry are answered
// while the client's Finished is on its way. Without any, the handshake runs to its end here.
TlsSocket::Step TlsSocket::try_handshake_early(char* data, std::size_t size, std::size_t& done,
                                               error_code& error) {
  while (early_ == Early::kReading && done < size) {
    ERR_clear_error();
    errno = 0;
    std::size_t n = 0;
    const int r = SSL_read_early_data(ssl_, data + done, size - done, &n);
    if (r == SSL_READ_EARLY_DATA_SUCCESS) {
      done += n;
      continue;
    }
    if (r == SSL_READ_EARLY_DATA_FINISH) {
      early_ = Early::kFinishing;
      break;
    }
    const Step step = step_of(r, error);
    return step != Step::kFailed && done > 0 ? Step::kDone : step;
  }
  if (done > 0) return Step::kDone;
  const Step step = try_handshake(error);
  if (step == Step::kDone) early_ = Early::kNone;
  return step;
}

// The rest of the early data, then (SSL_read_ex in OpenSSL's FINISHED_READING state) the
// client's Finished and the first bytes after it.
TlsSocket::Step TlsSocket::try_read_early(void* data, std::size_t size, std::size_t& done,
                                          error_code& error) {
  if (blocked_by(Blocked::kWriter)) return Step::kWantWrite;
  ERR_clear_error();
  errno = 0;
  if (early_ == Early::kReading) {
    const int r = SSL_read_early_data(ssl_, data, size, &done);
    if (r == SSL_READ_EARLY_DATA_SUCCESS) {
      read_was_early_ = true;
      return note_attempt(Blocked::kReader, Step::kDone);
    }
    if (r != SSL_READ_EARLY_DATA_FINISH) return note_attempt(Blocked::kReader, step_of(r, error));
    early_ = Early::kFinishing;
  }
  const int r = SSL_read_ex(ssl_, data, size, &done);
  if (SSL_is_init_finished(ssl_) == 1) early_ = Early::kNone;
  return note_attempt(Blocked::kReader, r == 1 ? Step::kDone : step_of(r, error));
}

// 0.5-RTT data: the client's Finished has not come, so OpenSSL must be told this write may go
// to a client it has not authenticated yet.
TlsSocket::Step TlsSocket::try_write_early(const void* data, std::size_t size, std::size_t& done,
                                           error_code& error) {
  if (blocked_by(Blocked::kReader)) return Step::kWantWrite;
  ERR_clear_error();
  errno = 0;
  const int r = SSL_write_early_data(ssl_, data, size, &done);
  return note_attempt(Blocked::kWriter, r == 1 ? Step::kDone : step_of(r, error));
}

TlsSocket::Step TlsSocket::try_read(void* data, std::size_t size, std::size_t& done,
                                    error_code& error) {
  read_was_early_ = false;
  if (early_ != Early::kNone) return try_read_early(data, size, done, error);
  errno = 0;
  const int r = SSL_read_ex(ssl_, data, size, &done);
  return r == 1 ? Step::kDone : step_of(r, error);
}

TlsSocket::Step TlsSocket::try_write(const void* data, std::size_t size, std::size_t& done,
                                     error_code& error) {
  if (early_ != Early::kNone) {
    if (SSL_is_init_finished(ssl_) != 1) return try_write_early(data, size, done, error);
    early_ = Early::kNone;
  }
  errno = 0;
  const int r = SSL_write_ex(ssl_, data, size, &done);
  return r == 1 ? Step::kDone : step_of(r, error);
}

}  // namespace paygate::http
