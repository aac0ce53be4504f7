#define BOOST_TEST_MODULE state_permissions_test
#include "core/state_permissions.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "core/staged_directory.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::Spit;
using testing::TempDir;

unsigned ModeOf(const fs::path& p) {
  struct stat st {};
  BOOST_REQUIRE_MESSAGE(::lstat(p.c_str(), &st) == 0, p.string());
  return st.st_mode & 07777;
}

void SetMode(const fs::path& p, unsigned mode) { BOOST_REQUIRE(::chmod(p.c_str(), mode) == 0); }

// The umask the programs set, for one test; the test runner's own afterwards.
class PrivateUmask {
 public:
  PrivateUmask() : old_(::umask(077)) {}
  ~PrivateUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

// A state directory as an older install left it: var/ 0755, records.sqlite 0644, a per-token
// folder 0755 with a 0644 file, a folder and file already private.
struct OldState {
  TempDir dir;
  fs::path var = dir.path() / "var";
  fs::path records = var / "records.sqlite";
  fs::path token_dir = var / "gnupg" / "verify" / "0123456789abcdef0123456789abcdef";
  OldState() {
    fs::create_directories(token_dir);
    Spit(records, "records");
    Spit(token_dir / "pubring.kbx", "keys");
    Spit(var / "accounts.pepper", "pepper");
    SetMode(var, 0755);
    SetMode(records, 0644);
    SetMode(var / "gnupg", 0755);
    SetMode(var / "gnupg" / "verify", 0755);
    SetMode(token_dir, 0755);
    SetMode(token_dir / "pubring.kbx", 0644);
    SetMode(var / "accounts.pepper", 0600);
  }
};

BOOST_AUTO_TEST_CASE(an_open_state_directory_of_ours_is_made_private_with_a_line_per_entry) {
  OldState s;
  std::vector<std::string> notes;
  const Status st =
      SecureStateDir(s.var, StateDepth::kTree, [&](const std::string& l) { notes.push_back(l); });
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(ModeOf(s.var) == 0700u);
  BOOST_TEST(ModeOf(s.records) == 0600u);
  BOOST_TEST(ModeOf(s.var / "gnupg") == 0700u);
  BOOST_TEST(ModeOf(s.var / "gnupg" / "verify") == 0700u);
  BOOST_TEST(ModeOf(s.token_dir) == 0700u);
  BOOST_TEST(ModeOf(s.token_dir / "pubring.kbx") == 0600u);
  BOOST_TEST(ModeOf(s.var / "accounts.pepper") == 0600u);
  // Written out: the folder, then one line per entry of var/ that changed (order of listing).
  BOOST_REQUIRE(notes.size() == 4u);
  BOOST_TEST(notes[0] == s.var.string() +
                             ": the state directory was 0755, now 0700 (it holds PHI and keys: "
                             "its owner's alone)");
  std::vector<std::string> rest(notes.begin() + 1, notes.end());
  std::sort(rest.begin(), rest.end());
  BOOST_TEST(rest[0] == (s.var / "gnupg").string() +
                            ": 3 files and folders inside were open to group or others, now "
                            "their owner's alone");
  BOOST_TEST(rest[1] == (s.var / "gnupg").string() + ": was 0755, now 0700");
  BOOST_TEST(rest[2] == s.records.string() + ": was 0644, now 0600");
  for (const std::string& n : notes) {
    BOOST_TEST(n.find("0123456789abcdef") == std::string::npos);  // No token named.
  }
}

BOOST_AUTO_TEST_CASE(the_top_pass_fixes_the_folder_and_its_entries_only) {
  OldState s;
  std::vector<std::string> notes;
  const Status st =
      SecureStateDir(s.var, StateDepth::kTop, [&](const std::string& l) { notes.push_back(l); });
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(ModeOf(s.var) == 0700u);
  BOOST_TEST(ModeOf(s.records) == 0600u);
  BOOST_TEST(ModeOf(s.var / "gnupg") == 0700u);
  BOOST_TEST(ModeOf(s.var / "gnupg" / "verify") == 0755u);  // Left for the nightly's pass.
  BOOST_TEST(ModeOf(s.token_dir / "pubring.kbx") == 0644u);
  BOOST_TEST(notes.size() == 3u);  // var/, records.sqlite, gnupg.
}

BOOST_AUTO_TEST_CASE(a_private_state_directory_is_left_alone_without_a_line) {
  OldState s;
  BOOST_REQUIRE(SecureStateDir(s.var, StateDepth::kTree, [](const std::string&) {}).ok());
  std::vector<std::string> notes;
  BOOST_REQUIRE(SecureStateDir(s.var, StateDepth::kTree, [&](const std::string& l) {
                  notes.push_back(l);
                }).ok());
  BOOST_TEST(notes.empty());
}

BOOST_AUTO_TEST_CASE(links_and_set_id_bits) {
  TempDir dir;
  const fs::path var = dir.path() / "var";
  fs::create_directories(var);
  SetMode(var, 0700);
  // A link to a file outside is not followed: the outside file keeps its mode.
  const fs::path outside = dir.path() / "outside.txt";
  Spit(outside, "x");
  SetMode(outside, 0644);
  fs::create_symlink(outside, var / "link");
  Spit(var / "odd", "y");
  SetMode(var / "odd", 04755);
  BOOST_REQUIRE(SecureStateDir(var, StateDepth::kTree, [](const std::string&) {}).ok());
  BOOST_TEST(ModeOf(outside) == 0644u);
  BOOST_TEST(ModeOf(var / "odd") == 0700u);
}

BOOST_AUTO_TEST_CASE(a_missing_state_directory_is_fine_and_a_file_is_refused) {
  TempDir dir;
  BOOST_TEST(SecureStateDir(dir.path() / "none", StateDepth::kTree).ok());
  Spit(dir.path() / "file", "x");
  const Status st = SecureStateDir(dir.path() / "file", StateDepth::kTop);
  BOOST_TEST((st.code() == Status::Code::kInvalidInput));
  BOOST_TEST(st.message() == (dir.path() / "file").string() +
                                 ": the state directory (paths.state_dir) is not a folder");
}

BOOST_AUTO_TEST_CASE(another_users_state_directory_is_refused_untouched) {
  TempDir dir;
  const fs::path var = dir.path() / "var";
  fs::create_directories(var);
  Spit(var / "records.sqlite", "records");
  SetMode(var, 0755);
  SetMode(var / "records.sqlite", 0644);
  const uid_t other = ::geteuid() == 0 ? 65534 : 0;  // nobody (as root), else root.
  if (::geteuid() == 0) {
    BOOST_REQUIRE(::chown(var.c_str(), other, static_cast<gid_t>(-1)) == 0);
  } else if (::chown(var.c_str(), other, static_cast<gid_t>(-1)) != 0) {
    // Not root: a folder of another user cannot be made here; "/" is root's.
    const Status st = SecureStateDir("/", StateDepth::kTop);
    BOOST_TEST((st.code() == Status::Code::kInvalidInput));
    BOOST_TEST(st.message().find("/: the state directory belongs to ") == 0u);
    return;
  }
  std::vector<std::string> notes;
  const Status st =
      SecureStateDir(var, StateDepth::kTree, [&](const std::string& l) { notes.push_back(l); });
  BOOST_TEST((st.code() == Status::Code::kInvalidInput));
  const std::string expected_start =
      var.string() + ": the state directory belongs to nobody (uid 65534), not to this user root " +
      "(uid 0); run the portal's programs as its owner (sudo -u <owner>), or make it this user's " +
      "with `chown -R 0 " + var.string() + "`";
  BOOST_TEST(st.message() == expected_start);
  BOOST_TEST(notes.empty());
  BOOST_TEST(ModeOf(var) == 0755u);  // Not ours to change.
  BOOST_TEST(ModeOf(var / "records.sqlite") == 0644u);
}

BOOST_AUTO_TEST_CASE(made_private_creates_0600_files_and_0700_folders) {
  TempDir dir;
  const mode_t before = ::umask(022);
  MakeCreatedFilesPrivate();
  const mode_t set = ::umask(before);
  BOOST_TEST(set == 077u);
  PrivateUmask private_umask;
  BOOST_REQUIRE(WriteFileAtomically(dir.path() / "a" / "b.txt", "x").ok());
  BOOST_TEST(ModeOf(dir.path() / "a") == 0700u);
  BOOST_TEST(ModeOf(dir.path() / "a" / "b.txt") == 0600u);
}

BOOST_AUTO_TEST_CASE(public_modes_are_exact_whatever_the_umask) {
  TempDir dir;
  PrivateUmask private_umask;
  const fs::path file = dir.path() / "patients" / "t1" / "summary.html.pgp";
  BOOST_REQUIRE(PublishFileAtomically(file, "sealed", PublicModes{0711, 0644}).ok());
  BOOST_TEST(ModeOf(dir.path() / "patients") == 0711u);
  BOOST_TEST(ModeOf(dir.path() / "patients" / "t1") == 0711u);
  BOOST_TEST(ModeOf(file) == 0644u);
  // A folder that exists keeps its mode.
  fs::create_directories(dir.path() / "kept");
  SetMode(dir.path() / "kept", 0750);
  BOOST_REQUIRE(
      PublishFileAtomically(dir.path() / "kept" / "f", "x", PublicModes{0711, 0644}).ok());
  BOOST_TEST(ModeOf(dir.path() / "kept") == 0750u);
  // WriteFileParts: also a file that existed with another mode.
  Spit(dir.path() / "kept" / "g", "old");
  SetMode(dir.path() / "kept" / "g", 0600);
  BOOST_REQUIRE(WriteFileParts(dir.path() / "kept" / "g", {"new"}, PublicModes{0755, 0644}).ok());
  BOOST_TEST(ModeOf(dir.path() / "kept" / "g") == 0644u);
  BOOST_REQUIRE(WriteFileParts(dir.path() / "n" / "m" / "h", {"x"}, PublicModes{0755, 0644}).ok());
  BOOST_TEST(ModeOf(dir.path() / "n") == 0755u);
  BOOST_TEST(ModeOf(dir.path() / "n" / "m") == 0755u);
  BOOST_TEST(ModeOf(dir.path() / "n" / "m" / "h") == 0644u);
}

BOOST_AUTO_TEST_CASE(the_published_site_is_readable_by_others_under_a_private_umask) {
  TempDir dir;
  PrivateUmask private_umask;
  const fs::path site = dir.path() / "output" / "site";
  for (int run = 0; run < 3; ++run) {  // First tree, then each buffer once more (unchanged files).
    StagedDirectory staged(site);
    Status st = staged.Open();
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    BOOST_REQUIRE(staged.Write("index.html", {"home"}).ok());
    BOOST_REQUIRE(staged.Write("conditions/asthma/index.html", {"page"}).ok());
    st = staged.Commit();
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    BOOST_TEST(ModeOf(dir.path() / "output") == 0755u);
    BOOST_TEST(ModeOf(site) == 0755u);
    BOOST_TEST(ModeOf(site / "conditions") == 0755u);
    BOOST_TEST(ModeOf(site / "conditions" / "asthma") == 0755u);
    BOOST_TEST(ModeOf(site / "index.html") == 0644u);
    BOOST_TEST(ModeOf(site / "conditions" / "asthma" / "index.html") == 0644u);
  }
}

}  // namespace
}  // namespace portal
