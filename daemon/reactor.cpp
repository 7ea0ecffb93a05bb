#include "daemon/reactor.hpp"

#include <cstdio>

namespace baton::daemon {

reactor::reactor(std::size_t index, shared_state& shared)
    : index_(index), shared_(shared), upstream_(ioc_.get_executor())
{
    std::random_device rd;  // seeds only; routing itself receives draws
    rng_.seed((static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ index);
    id_salt_ = rng_() & 0xffffffULL;
}

std::string reactor::next_request_id()
{
    // "req-" + 6 hex digits of salt + 2 of reactor index + 10 of counter (formatted by hand: snprintf
    // showed in the request profile).
    static constexpr char hex[] = "0123456789abcdef";
    std::string id(22, '0');
    id[0] = 'r';
    id[1] = 'e';
    id[2] = 'q';
    id[3] = '-';
    auto put = [&](std::size_t end, std::uint64_t v, int digits) {
        for (int i = 0; i < digits; ++i) {
            id[end - 1 - static_cast<std::size_t>(i)] = hex[v & 0xf];
            v >>= 4;
        }
    };
    put(10, id_salt_, 6);
    put(12, index_, 2);
    put(22, ++request_counter_, 10);
    return id;
}

const std::shared_ptr<const snapshot>& reactor::config()
{
    const auto gen = shared_.configs.generation();
    if (gen != cached_generation_) {
        cached_ = shared_.configs.current();
        cached_generation_ = gen;
    }
    return cached_;
}

}  // namespace baton::daemon
