#define BOOST_TEST_MODULE config_tests
#include <boost/test/unit_test.hpp>
