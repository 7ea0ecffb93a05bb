// The one translation unit of ops_tests that defines the Boost.Test module (and so main).
#define BOOST_TEST_MODULE ops_tests
#include <boost/test/unit_test.hpp>
