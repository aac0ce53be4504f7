#define BOOST_TEST_MODULE content_test
#include "generator/site/content.h"

#include <boost/test/unit_test.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::Spit;
using testing::TempDir;

struct Fixture {
  TempDir dir;
  PortalConfig cfg;
  Fixture() {
    const fs::path config = testing::CopyProjectSite(dir.path());
    BOOST_REQUIRE(LoadConfig(config, &cfg).ok());
  }
  fs::path Faq(const std::string& name) const { return cfg.paths.faq_dir / name; }
  Status Load(SiteContent* out) const { return LoadSiteContent(cfg, 2, out); }
};

BOOST_FIXTURE_TEST_CASE(project_faq_is_sorted_by_topic_then_weight, Fixture) {
  SiteContent content;
  Status st = Load(&content);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(content.faq.size() == 12u);
  BOOST_TEST(content.faq.front().anchor == "how-do-i-get-access-to-the-patient-portal");
  BOOST_TEST(content.faq.back().topic == "messaging");
  BOOST_TEST(content.home.title == "Home");
}

BOOST_FIXTURE_TEST_CASE(unknown_topic_is_named, Fixture) {
  Spit(Faq("99-x.md"), "+++\ntitle = \"New?\"\ntopic = \"billing\"\nweight = 1\n+++\nA.\n");
  SiteContent content;
  Status st = Load(&content);
  BOOST_TEST(st.message().find("99-x.md:3: topic: unknown topic 'billing'") != std::string::npos,
             st.message());
}

BOOST_FIXTURE_TEST_CASE(unknown_front_matter_key_is_named, Fixture) {
  Spit(Faq("99-x.md"),
       "+++\ntitle = \"New?\"\ntopic = \"access\"\nweight = 1\nauthor = \"a\"\n+++\n");
  SiteContent content;
  Status st = Load(&content);
  BOOST_TEST(st.message().find("99-x.md:5: author: unknown key") != std::string::npos,
             st.message());
}

BOOST_FIXTURE_TEST_CASE(duplicate_anchor_names_both_files, Fixture) {
  Spit(Faq("99-dup.md"),
       "+++\ntitle = \"How do I get access to the Patient Portal?\"\ntopic = \"access\"\n"
       "weight = 1\n+++\nAgain.\n");
  SiteContent content;
  Status st = Load(&content);
  BOOST_TEST(st.message().find("duplicate anchor 'how-do-i-get-access-to-the-patient-portal'") !=
                 std::string::npos,
             st.message());
  BOOST_TEST(st.message().find("01-access.md") != std::string::npos, st.message());
  BOOST_TEST(st.message().find("99-dup.md") != std::string::npos, st.message());
}

// Found by the front_matter fuzzer (tests/fuzz/regressions/front_matter/): topic = "" passed,
// a question in no topic.
BOOST_FIXTURE_TEST_CASE(empty_topics_are_refused, Fixture) {
  Spit(Faq("99-x.md"), "+++\ntitle = \"Q?\"\ntopic = \"\"\nweight = 1\n+++\nA.\n");
  SiteContent content;
  const Status st = Load(&content);
  BOOST_TEST(st.message().find("99-x.md:3: topic: is empty") != std::string::npos, st.message());
}

BOOST_FIXTURE_TEST_CASE(empty_titles_are_refused, Fixture) {
  Spit(Faq("99-x.md"), "+++\ntitle = \"\"\ntopic = \"access\"\nweight = 1\n+++\n");
  SiteContent content;
  Status st = Load(&content);
  BOOST_TEST(st.message().find("99-x.md:2: title: is empty") != std::string::npos, st.message());
  Spit(cfg.paths.home_page, "+++\ntitle = \"\"\n+++\nHello\n");
  fs::remove(Faq("99-x.md"));
  st = Load(&content);
  BOOST_TEST(st.message().find("home.md:2: title: is empty") != std::string::npos, st.message());
}

BOOST_FIXTURE_TEST_CASE(explicit_anchor_must_be_a_slug, Fixture) {
  Spit(Faq("99-x.md"),
       "+++\ntitle = \"Q\"\ntopic = \"access\"\nweight = 1\nanchor = \"Not Valid\"\n+++\n");
  SiteContent content;
  Status st = Load(&content);
  BOOST_TEST(st.message().find("99-x.md:5: anchor:") != std::string::npos, st.message());
}

BOOST_FIXTURE_TEST_CASE(content_may_not_print_raw_values_or_use_partials, Fixture) {
  Spit(Faq("99-x.md"),
       "+++\ntitle = \"Q\"\ntopic = \"access\"\nweight = 1\n+++\nline\n{{{hospital.name}}}\n");
  SiteContent content;
  Status st = Load(&content);
  BOOST_TEST(st.message().find("99-x.md:7: unescaped values") != std::string::npos, st.message());
  Spit(Faq("99-x.md"), "+++\ntitle = \"Q\"\ntopic = \"access\"\nweight = 1\n+++\n{{> footer}}\n");
  st = Load(&content);
  BOOST_TEST(st.message().find("99-x.md:6: partials are not allowed") != std::string::npos,
             st.message());
}

BOOST_FIXTURE_TEST_CASE(unclosed_section_in_content_names_the_file_line, Fixture) {
  Spit(Faq("99-x.md"),
       "+++\ntitle = \"Q\"\ntopic = \"access\"\nweight = 1\n+++\n\n{{#messaging.providers}}\n");
  SiteContent content;
  Status st = Load(&content);
  BOOST_TEST(st.message().find("99-x.md:7: section {{#messaging.providers}} is never closed") !=
                 std::string::npos,
             st.message());
}

}  // namespace
}  // namespace portal
