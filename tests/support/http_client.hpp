#pragma once
// Synchronous HTTP/1.1 client for integration tests: one keep-alive connection, every operation bounded
// by a deadline, and an incremental SSE reader for streamed responses.

#include "support/deadline.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::test {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_response {
    unsigned status = 0;
    std::map<std::string, std::string> headers;  ///< lower-case names; repeated headers joined with ", "
    std::string body;

    /// The header's value, nullopt when absent. `name` is matched case-insensitively.
    std::optional<std::string> header(std::string_view name) const;
    /// The body parsed as JSON; throws boost::system::system_error when it is not JSON.
    boost::json::value json() const;
};

/// The header's value, "<absent>" when absent: text an assertion compares and prints as it is.
std::string header(const http_response& r, std::string_view name);

/// One server-sent event.
struct sse_event {
    std::string raw;            ///< the event's text as received, without the blank line that ends it
    std::string data;           ///< its data: lines joined with "\n" (one leading space of each stripped)
    std::string name;           ///< its event: field, empty when none
    clock::time_point arrived;  ///< when the bytes that completed it were read

    bool is_done() const { return data == "[DONE]"; }
    /// `data` parsed as JSON; throws boost::system::system_error when it is not JSON.
    boost::json::value json() const;
};

/// What next_event() saw.
enum class stream_status {
    event,    ///< an event (in stream_item::event)
    end,      ///< the response ended cleanly (chunked terminator, or close for a close-delimited body)
    error,    ///< the response broke (stream_item::error: e.g. http::error::partial_message on a cut)
    timeout,  ///< the deadline passed; the stream stays open: read on, or close()
};

/// "event", "end", "error" or "timeout" (Boost.Test prints values with it).
std::ostream& operator<<(std::ostream& os, stream_status s);

struct stream_item {
    stream_status status = stream_status::end;
    sse_event event;
    boost::system::error_code error;
};

/// What read_events() collected: every event, and how the stream finished.
struct stream_result {
    std::vector<sse_event> events;
    stream_status final_status = stream_status::end;  ///< end, error or timeout
    boost::system::error_code error;
};

/// Connects lazily to host:port and keeps the connection for later requests (reconnecting when the server
/// closed it). Throws boost::system::system_error on connect/write/read failures and timeouts of request();
/// the streaming calls report them as values instead. Not thread-safe.
class http_client {
public:
    explicit http_client(std::uint16_t port, std::string host = "127.0.0.1");
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    /// One request, whole response. `headers` are added to Host/User-Agent (and Content-Type:
    /// application/json when `body` is not empty and no content-type is given).
    http_response request(std::string_view method, std::string_view target, std::string body = {},
                          const header_list& headers = {},
                          clock::duration timeout = std::chrono::seconds(30));
    http_response get(std::string_view target, const header_list& headers = {},
                      clock::duration timeout = std::chrono::seconds(30));
    http_response post_json(std::string_view target, const boost::json::value& body,
                            const header_list& headers = {},
                            clock::duration timeout = std::chrono::seconds(30));

    /// Sends a request and reads only the response head (status and headers; body empty). Then read the
    /// body incrementally with next_event()/read_events(), or whole with read_body() (e.g. a JSON error
    /// instead of a stream). Throws boost::system::system_error when no head arrives by `d`.
    http_response open_stream(std::string_view method, std::string_view target, std::string body,
                              const header_list& headers, deadline d);
    http_response open_stream(std::string_view target, const boost::json::value& body, deadline d,
                              const header_list& headers = {});

    /// The next event of the open stream, or how it ended. After `end` the connection can be reused;
    /// after `error` it is closed; after `timeout` the stream is still open (nothing came by `d`).
    stream_item next_event(deadline d);
    /// Events until the stream ends, breaks or `d` passes.
    stream_result read_events(deadline d);
    /// The rest of the open response's body; throws boost::system::system_error on errors and timeout.
    std::string read_body(deadline d);

    /// Closes the connection at once (FIN), e.g. mid-stream to test a client disconnect.
    void close();
    /// Closes the connection with a TCP reset (SO_LINGER 0).
    void reset();
    bool connected() const;

    std::uint16_t port() const { return port_; }

private:
    void ensure_connected(deadline d);
    void send(std::string_view method, std::string_view target, std::string body, const header_list& headers,
              deadline d);
    // Runs the io_context until the started operation completes; at `d` cancels it and turns its
    // operation_aborted into timed_out.
    void run(deadline d, boost::system::error_code& ec);
    // Reads more body bytes of the open stream into pending_; false with `ec` set on error/end.
    bool read_more(deadline d, boost::system::error_code& ec);

    std::string host_;
    std::uint16_t port_;
    boost::asio::io_context ioc_;
    std::optional<boost::asio::ip::tcp::socket> socket_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> stream_parser_;
    std::string pending_;  // received, not yet returned stream bytes
    clock::time_point last_read_{};
    bool keep_alive_ = true;
};

/// What a raw exchange got back.
struct raw_result {
    std::string data;             ///< every byte received
    bool closed_by_peer = false;  ///< the server closed (or reset) the connection before the deadline
    bool reset_by_peer = false;   ///< the server reset the connection (a read failed with ECONNRESET)
};

/// A bare TCP connection, for malformed requests: send any bytes, read whatever comes back.
class raw_connection {
public:
    /// Connects to host:port; throws boost::system::system_error on failure.
    explicit raw_connection(std::uint16_t port, std::string_view host = "127.0.0.1",
                            clock::duration timeout = std::chrono::seconds(10));
    ~raw_connection();
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;

    /// Writes all of `bytes`; false when the peer is gone or `d` passed.
    bool send(std::string_view bytes, deadline d);
    /// Reads until the peer closes the connection or `d` passes (the connection stays open then).
    raw_result read_until_close(deadline d);
    /// Reads until `needle` was received (true), the peer closed or `d` passed (false); all bytes so far in
    /// `out`.
    bool read_until(std::string_view needle, std::string& out, deadline d);
    /// shutdown(SHUT_WR): the server reads EOF.
    void shutdown_write();
    void close();

private:
    // One read; false once the peer closed, the deadline passed or the socket is closed.
    bool read_some(deadline d);

    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_;
    std::string received_;
    bool peer_closed_ = false;
    bool peer_reset_ = false;
};

/// Connects, sends `bytes`, reads until the server closes or `timeout` passes.
raw_result raw_exchange(std::uint16_t port, std::string_view bytes,
                        clock::duration timeout = std::chrono::seconds(5));

}  // namespace baton::test
