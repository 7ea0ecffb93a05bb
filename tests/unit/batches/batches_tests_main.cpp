#define BOOST_TEST_MODULE batches
#include <boost/test/unit_test.hpp>
