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
    char buf[48];
    std::snprintf(buf, sizeof buf, "req-%06llx%02zx%010llx", static_cast<unsigned long long>(id_salt_), index_,
                  static_cast<unsigned long long>(++request_counter_));
    return buf;
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
