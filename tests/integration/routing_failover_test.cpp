#define BOOST_TEST_MODULE routing_failover
#include <boost/test/unit_test.hpp>
