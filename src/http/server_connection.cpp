// The server connection on TCP sockets, the one the gateway runs.
#include "http/server_connection_impl.h"

namespace paygate::http {

template class BasicServerConnection<boost::asio::ip::tcp::socket>;

}  // namespace paygate::http
