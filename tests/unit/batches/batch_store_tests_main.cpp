#define BOOST_TEST_MODULE batch_store
#include <boost/test/unit_test.hpp>
