#define BOOST_TEST_MODULE stream_failover
#include <boost/test/unit_test.hpp>
