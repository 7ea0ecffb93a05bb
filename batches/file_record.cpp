#include "batches/file_record.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace baton::batches {

namespace json = boost::json;

std::string file_json(const file_record& f)
{
    json::object o;
    o["id"] = f.id;
    o["object"] = "file";
    o["bytes"] = f.bytes;
    o["created_at"] = f.created_at;
    o["filename"] = f.filename;
    o["purpose"] = f.purpose;
    o["status"] = "processed";
    o["status_details"] = nullptr;
    o["expires_at"] = nullptr;
    return json::serialize(o);
}

std::string file_deleted_json(std::string_view id)
{
    json::object o;
    o["id"] = id;
    o["object"] = "file";
    o["deleted"] = true;
    return json::serialize(o);
}

std::optional<std::string> upload_purpose_error(std::string_view purpose)
{
    if (purpose == upload_purpose) {
        return std::nullopt;
    }
    if (purpose.empty()) {
        return "Missing required parameter: 'purpose'. baton stores files for batches: send purpose=batch.";
    }
    return "Invalid value: '" + std::string(purpose) +
           "'. baton stores files for the Batch API only: the supported value is 'batch'.";
}

}  // namespace baton::batches
