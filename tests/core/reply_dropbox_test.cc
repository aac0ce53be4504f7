#define BOOST_TEST_MODULE reply_dropbox_test
#include "core/reply_dropbox.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

BOOST_AUTO_TEST_CASE(the_writer_names_what_the_reader_accepts) {
  // 2025-06-01T12:00:00Z.
  const std::string name = NewReplyFileName(1748779200, "0123456789abcdef");
  BOOST_TEST(name == "reply-2025-06-01-0123456789abcdef.html.pgp");
  BOOST_TEST(IsReplyFileName(name));
}

BOOST_AUTO_TEST_CASE(the_reader_refuses_anything_else) {
  for (const char* bad :
       {"reply-.html.pgp", "reply-a.html", "summary.html.pgp", "reply-../x.html.pgp",
        "reply-a b.html.pgp", "reply-a/b.html.pgp", ".reply-a.html.pgp", "reply-a.html.pgp.tmp"}) {
    BOOST_TEST(!IsReplyFileName(bad), bad);
  }
  BOOST_TEST(IsReplyFileName("reply-" + std::string(64, 'a') + ".html.pgp"));
  BOOST_TEST(!IsReplyFileName("reply-" + std::string(65, 'a') + ".html.pgp"));
}

BOOST_AUTO_TEST_CASE(a_token_has_its_own_folder) {
  BOOST_TEST(ReplyFolder("/state/replies", "abc").string() == "/state/replies/abc");
}

}  // namespace
}  // namespace portal
