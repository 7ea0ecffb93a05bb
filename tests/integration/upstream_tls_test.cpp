#define BOOST_TEST_MODULE upstream_tls
#include <boost/test/unit_test.hpp>
