#pragma once

// Checks the tests share (header-only: Boost.Test's macros are used where they expand).
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "core/status.h"

// Stops the test case unless `expr` (a portal::Status) is ok, showing the expression and why.
#define REQUIRE_OK(expr)                                          \
  do {                                                            \
    const ::portal::Status st_ = (expr);                          \
    BOOST_REQUIRE_MESSAGE(st_.ok(), #expr ": " << st_.message()); \
  } while (0)

namespace portal::testing {

// The permission bits of `path` (e.g. 0600); the test stops if it cannot be read.
inline unsigned FileMode(const std::filesystem::path& path) {
  struct stat st {};
  BOOST_REQUIRE_MESSAGE(::stat(path.c_str(), &st) == 0, path);
  return st.st_mode & 07777;
}

}  // namespace portal::testing
