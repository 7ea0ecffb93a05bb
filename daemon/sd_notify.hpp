#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <system_error>

/// The systemd notification protocol (sd_notify(3)) without libsystemd: one AF_UNIX datagram to the
/// socket named by $NOTIFY_SOCKET, a filesystem path ("/run/systemd/notify") or an abstract name
/// ("@name"). With NOTIFY_SOCKET unset (not run by systemd, or a unit that is not Type=notify) every call
/// is a successful no-op. The environment is read on each call and never modified.
/// Thread safety: every function may be called from any thread (each call uses its own socket), as long
/// as nobody calls setenv concurrently. Each call is a few syscalls and never blocks on the receiver.
namespace baton::daemon::sd_notify {

/// Sends `state`, newline-separated VAR=value assignments (e.g. "READY=1\nSTATUS=serving"), as one
/// datagram. Returns no error when sent or when NOTIFY_SOCKET is unset; invalid_argument for an address
/// that is neither absolute nor abstract (vsock: addresses are not supported), filename_too_long when it
/// does not fit sockaddr_un, else the errno of socket/sendto (e.g. connection_refused when nobody listens).
std::error_code notify(std::string_view state);

/// "READY=1": start-up (listeners bound, config loaded) or a reload has finished.
std::error_code ready();

/// "RELOADING=1\nMONOTONIC_USEC=<CLOCK_MONOTONIC now, µs>": a SIGHUP reload begins; follow with ready()
/// when it ends, good or bad. The timestamp is what Type=notify-reload (systemd 253+) requires; older
/// managers ignore it.
std::error_code reloading();

/// "STOPPING=1": draining has begun (SIGTERM/SIGINT).
std::error_code stopping();

/// "WATCHDOG=1": keep-alive ping; send every watchdog_interval() / 2 from a reactor so that a wedged event
/// loop stops the pings and systemd restarts the service.
std::error_code watchdog();

/// "STATUS=<text>": one line for `systemctl status`. Newlines in `text` become spaces (a newline would
/// start a new assignment).
std::error_code status(std::string_view text);

/// The watchdog timeout systemd expects pings within (WatchdogSec=), from $WATCHDOG_USEC, when it is
/// meant for this process: empty when WATCHDOG_USEC is unset, not a positive integer, or WATCHDOG_PID is
/// set to another pid. Ping at half of it.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace baton::daemon::sd_notify
