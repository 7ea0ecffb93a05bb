# Observability building blocks (structured logging, Prometheus metrics, sd_notify): Boost.JSON and the
# standard library only, no Asio, so that they and their unit tests (tests/unit/daemon, ops_tests) build
# in seconds. The top-level CMakeLists includes this file after baton_helpers.cmake, removes
# BATON_OBSERVABILITY_SOURCES from baton_daemon's glob and links baton_daemon to baton_observability.
cmake_path(GET CMAKE_CURRENT_LIST_DIR PARENT_PATH BATON_OBSERVABILITY_ROOT)
set(BATON_OBSERVABILITY_SOURCES
    ${BATON_OBSERVABILITY_ROOT}/daemon/latency_histogram.cpp
    ${BATON_OBSERVABILITY_ROOT}/daemon/metrics.cpp
    ${BATON_OBSERVABILITY_ROOT}/daemon/metrics_shard.cpp
    ${BATON_OBSERVABILITY_ROOT}/daemon/process_stats.cpp
    ${BATON_OBSERVABILITY_ROOT}/daemon/sd_notify.cpp)

# The logger (log/) is its own library: net/ logs through it too, and links nothing else of the daemon.
add_library(baton_log STATIC ${BATON_OBSERVABILITY_ROOT}/log/logger.cpp)
target_include_directories(baton_log PUBLIC ${BATON_OBSERVABILITY_ROOT})
target_link_libraries(baton_log PUBLIC Boost::json baton_warnings)

add_library(baton_observability STATIC ${BATON_OBSERVABILITY_SOURCES})
target_include_directories(baton_observability PUBLIC ${BATON_OBSERVABILITY_ROOT})
# baton_warnings is defined after this file is included; target names resolve at generate time.
target_link_libraries(baton_observability PUBLIC baton_log Boost::json baton_warnings)
