#pragma once
// Everything an integration test needs: include this one header.

#include "support/baton_process.hpp"
#include "support/bin_path.hpp"
#include "support/child_process.hpp"
#include "support/deadline.hpp"
#include "support/fake_upstream_process.hpp"
#include "support/http_client.hpp"
#include "support/nginx_process.hpp"
#include "support/ports.hpp"
#include "support/temp_dir.hpp"
