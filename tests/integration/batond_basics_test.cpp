#define BOOST_TEST_MODULE batond_basics
#include <boost/test/unit_test.hpp>
