#define BOOST_TEST_MODULE assets_test
#include "generator/site/assets.h"

#include <boost/test/unit_test.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

// SHA-256("abc") starts ba7816bf8f (FIPS 180-2).
BOOST_AUTO_TEST_CASE(fingerprint_goes_before_the_extension) {
  BOOST_TEST(FingerprintName("site.css", "abc") == "site.ba7816bf8f.css");
  BOOST_TEST(FingerprintName("search.min.js", "abc") == "search.min.ba7816bf8f.js");
  BOOST_TEST(FingerprintName("LICENSE", "abc") == "LICENSE.ba7816bf8f");
}

BOOST_AUTO_TEST_CASE(loads_every_asset_with_its_url) {
  testing::TempDir dir;
  testing::Spit(dir.path() / "site.css", "abc");
  testing::Spit(dir.path() / "search.js", "");
  std::vector<Asset> assets;
  std::map<std::string, std::string> urls;
  BOOST_REQUIRE(LoadAssets(dir.path(), &assets, &urls).ok());
  BOOST_TEST(assets.size() == 2u);
  BOOST_TEST(urls.at("site.css") == "assets/site.ba7816bf8f.css");
  // SHA-256 of the empty string starts e3b0c44298.
  BOOST_TEST(urls.at("search.js") == "assets/search.e3b0c44298.js");
}

}  // namespace
}  // namespace portal
