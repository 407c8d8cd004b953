// The server connection on TLS streams (http/tls_accept.h starts them).
#include "http/server_connection_impl.h"
#include "http/tls_stream.h"

namespace paygate::http {

template class BasicServerConnection<TlsStream>;

}  // namespace paygate::http
