#define BOOST_TEST_MODULE slug_test
#include "generator/site/slug.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

// Expected anchors are what GitHub shows for these headings (github-slugger's rules).
BOOST_AUTO_TEST_CASE(github_style_slugs) {
  BOOST_TEST(GithubSlug("How do I get access to the Patient Portal?") ==
             "how-do-i-get-access-to-the-patient-portal");
  BOOST_TEST(GithubSlug("I don’t understand what a result means") ==
             "i-dont-understand-what-a-result-means");
  BOOST_TEST(GithubSlug("Lab work or an x-ray. Why?") == "lab-work-or-an-x-ray-why");
  BOOST_TEST(GithubSlug("Two  spaces") == "two--spaces");
  BOOST_TEST(GithubSlug("snake_case & C++ 2.0") == "snake_case--c-20");
  BOOST_TEST(GithubSlug("Café Über") == "café-über");
  BOOST_TEST(GithubSlug("“Quoted” — dash") == "quoted--dash");
}

BOOST_AUTO_TEST_CASE(duplicates_are_numbered_like_github) {
  SlugSet set;
  BOOST_TEST(set.Unique("Notes") == "notes");
  BOOST_TEST(set.Unique("Notes") == "notes-1");
  BOOST_TEST(set.Unique("Notes") == "notes-2");
  BOOST_TEST(set.Unique("Notes 1") == "notes-1-1");
}

BOOST_AUTO_TEST_CASE(reserved_anchors_are_skipped) {
  SlugSet set;
  BOOST_TEST(set.Reserve("main"));
  BOOST_TEST(!set.Reserve("main"));
  BOOST_TEST(set.Unique("Main") == "main-1");
}

BOOST_AUTO_TEST_CASE(prefix_is_applied) {
  SlugSet set("q--");
  BOOST_TEST(set.Unique("Dose") == "q--dose");
  BOOST_TEST(set.Unique("Dose") == "q--dose-1");
}

}  // namespace
}  // namespace portal
