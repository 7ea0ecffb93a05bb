#include "batches/ids.hpp"

namespace baton::batches {

namespace {

void put_hex(std::string& out, std::uint64_t v, int digits)
{
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i) {
        out += hex[(v >> (4 * i)) & 0xf];
    }
}

}  // namespace

std::uint64_t splitmix64(std::uint64_t x) noexcept
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::string make_id(std::string_view prefix, std::uint64_t random_a, std::uint64_t random_b)
{
    std::string id(prefix);
    put_hex(id, random_a, 16);
    put_hex(id, random_b, 8);
    return id;
}

std::string derived_file_id(std::string_view batch_id, std::string_view role)
{
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (const char c : batch_id) {
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    h = (h ^ ':') * 1099511628211ULL;
    for (const char c : role) {
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    const std::uint64_t a = splitmix64(h);
    return make_id("file-", a, splitmix64(a));
}

bool plausible_id(std::string_view id) noexcept
{
    if (id.empty() || id.size() > 64) {
        return false;
    }
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

}  // namespace baton::batches
