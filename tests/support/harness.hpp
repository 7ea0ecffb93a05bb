#pragma once
// Everything an integration test needs: include this one header.

#include "support/baton_process.hpp"
#include "support/bin_path.hpp"
#include "support/chat_body.hpp"
#include "support/child_process.hpp"
#include "support/config_builder.hpp"
#include "support/content_pieces.hpp"
#include "support/deadline.hpp"
#include "support/fake_upstream_process.hpp"
#include "support/http_client.hpp"
#include "support/json_fields.hpp"
#include "support/metrics_reader.hpp"
#include "support/nginx_process.hpp"
#include "support/ports.hpp"
#include "support/recorded_calls.hpp"
#include "support/refused_port.hpp"
#include "support/temp_dir.hpp"
