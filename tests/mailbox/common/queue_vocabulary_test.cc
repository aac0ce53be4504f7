#define BOOST_TEST_MODULE queue_vocabulary_test
#include "mailbox/common/queue_vocabulary.h"

#include <boost/test/unit_test.hpp>

namespace portal {
namespace {

// The words are what the queue's SQL, staff's options and the daemon's answers use: written out.
BOOST_AUTO_TEST_CASE(kinds_round_trip) {
  BOOST_TEST(ToString(ItemKind::kMessage) == "message");
  BOOST_TEST(ToString(ItemKind::kProfileChange) == "profile-change");
  ItemKind k = ItemKind::kMessage;
  BOOST_TEST(ParseItemKind("profile-change", &k));
  BOOST_TEST((k == ItemKind::kProfileChange));
  BOOST_TEST(!ParseItemKind("Message", &k));
  BOOST_TEST(!ParseItemKind("", &k));
}

BOOST_AUTO_TEST_CASE(states_round_trip) {
  const std::vector<std::string_view> expected = {"requested", "received", "accepted", "rejected",
                                                  "completed"};
  BOOST_TEST(ItemStateNames() == expected, boost::test_tools::per_element());
  for (const auto& name : expected) {
    ItemState s;
    BOOST_TEST(ParseItemState(name, &s));
    BOOST_TEST(ToString(s) == name);
  }
  ItemState s;
  BOOST_TEST(!ParseItemState("done", &s));
}

BOOST_AUTO_TEST_CASE(rejection_reasons_are_codes) {
  const std::vector<std::string_view> expected = {"duplicate",   "unverifiable", "invalid-value",
                                                  "not-allowed", "withdrawn",    "other"};
  BOOST_TEST(RejectionReasonNames() == expected, boost::test_tools::per_element());
  RejectionReason r;
  BOOST_TEST(ParseRejectionReason("not-allowed", &r));
  BOOST_TEST((r == RejectionReason::kNotAllowed));
  BOOST_TEST(!ParseRejectionReason("because", &r));
}

BOOST_AUTO_TEST_CASE(sql_lists_quote_each_name) {
  BOOST_TEST(SqlList(ItemKindNames()) == "'message', 'profile-change'");
}

}  // namespace
}  // namespace portal
