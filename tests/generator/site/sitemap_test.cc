#define BOOST_TEST_MODULE sitemap_test
#include "generator/site/sitemap.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

BOOST_AUTO_TEST_CASE(sitemap_lists_absolute_escaped_urls) {
  BOOST_TEST(SitemapXml("https://h/p/", {"", "faq/a&b.html"}) ==
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
             "  <url><loc>https://h/p/</loc></url>\n"
             "  <url><loc>https://h/p/faq/a&amp;b.html</loc></url>\n"
             "</urlset>\n");
}

BOOST_AUTO_TEST_CASE(robots_points_at_the_sitemap) {
  BOOST_TEST(RobotsTxt("https://h/p/") ==
             "User-agent: *\nAllow: /\nSitemap: https://h/p/sitemap.xml\n");
}

}  // namespace
}  // namespace portal
