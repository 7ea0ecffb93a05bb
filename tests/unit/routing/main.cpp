// The one translation unit that defines the test module (and main) of routing_tests.
#define BOOST_TEST_MODULE routing
#include <boost/test/unit_test.hpp>
