#define BOOST_TEST_MODULE rate_limiter_test
#include <boost/test/unit_test.hpp>
BOOST_AUTO_TEST_CASE(placeholder) {}
