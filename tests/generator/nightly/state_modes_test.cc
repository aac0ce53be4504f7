#define BOOST_TEST_MODULE state_modes_test
// File modes on a real portal: portal-staff, portal-gen nightly and portal-mailboxd run from
// their binaries on a fresh state directory (and an older install's), then every file and folder
// under var/ and output/ is walked and held to the modes written out here.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <regex>
#include <string>

#include "tests/mailbox_fixture.h"
#include "tests/portal_fixture.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::FakePatient;
using testing::LabLine;
using testing::MailboxFixture;
using testing::PatientLine;
using testing::PortalFixture;

const FakePatient kAda{"pa", "M000101", "Adaline", "Quorvath", "1961-04-17"};

// The runner's umask says nothing: the programs must set their own.
struct OpenUmask {
  OpenUmask() { ::umask(022); }
};

unsigned ModeOf(const fs::path& p) {
  struct stat st {};
  BOOST_REQUIRE_MESSAGE(::lstat(p.c_str(), &st) == 0, p.string());
  return st.st_mode & 07777;
}

// Every entry under `root` (relative path -> type and mode), symbolic links not followed.
struct Entry {
  char type;  // 'f' file, 'd' folder, 's' socket, 'l' link, '?' other.
  unsigned mode;
};
std::map<std::string, Entry> Walk(const fs::path& root) {
  std::map<std::string, Entry> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;  // A socket gone meanwhile.
    const char type = S_ISREG(st.st_mode)    ? 'f'
                      : S_ISDIR(st.st_mode)  ? 'd'
                      : S_ISSOCK(st.st_mode) ? 's'
                      : S_ISLNK(st.st_mode)  ? 'l'
                                             : '?';
    out[fs::relative(it->path(), root).string()] = {type, st.st_mode & 07777u};
  }
  return out;
}

// var/: files 0600, folders 0700 (gpg-agent's sockets 0700 too: srwx------), nothing else.
void ExpectPrivateState(const fs::path& var) {
  BOOST_TEST(ModeOf(var) == 0700u);
  const auto tree = Walk(var);
  for (const auto& [path, e] : tree) {
    const unsigned expected = e.type == 'f' ? 0600u : 0700u;
    BOOST_TEST((e.type == 'f' || e.type == 'd' || e.type == 's'), path << " type " << e.type);
    BOOST_TEST(e.mode == expected,
               "var/" << path << " is " << std::oct << e.mode << " not " << expected);
  }
  // The walk saw what matters (so a missing file cannot pass it).
  for (const char* must : {"records.sqlite", "registry.sqlite", "accounts.pepper", "keys",
                           "gnupg/portal", "extracts"}) {
    BOOST_TEST(tree.count(must) == 1u, must);
  }
}

// output/: the site public (0755 folders, 0644 files); patients/ and each token's folders 0711
// (nginx opens a file by exact name; nobody lists the tokens), sealed files 0644, each shard's
// staging folder 0700.
void ExpectPublishedModes(const fs::path& output) {
  BOOST_TEST(ModeOf(output) == 0755u);
  BOOST_TEST(ModeOf(output / "site") == 0755u);
  for (const auto& [path, e] : Walk(output / "site")) {
    BOOST_TEST(e.mode == (e.type == 'd' ? 0755u : 0644u),
               "site/" << path << " is " << std::oct << e.mode);
  }
  const fs::path patients = output / "patients";
  BOOST_TEST(ModeOf(patients) == 0711u);
  int sealed = 0;
  for (const auto& [path, e] : Walk(patients)) {
    unsigned expected = e.type == 'd' ? 0711u : 0644u;
    if (path.starts_with(".staging-")) expected = 0700u;
    BOOST_TEST(e.mode == expected,
               "patients/" << path << " is " << std::oct << e.mode << " not " << expected);
    if (path.ends_with("/summary.html.pgp")) ++sealed;
  }
  BOOST_TEST(sealed >= 1);
}

std::string EnrollToken(const PortalFixture& f, const std::string& mrn,
                        const PortalFixture::Person& who) {
  auto r = f.Staff({"enroll", "--mrn", mrn, "--key", who.key_file.string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  std::smatch m;
  static const std::regex kAddress("patients/([0-9a-f]{32})/summary\\.html\\.pgp");
  BOOST_REQUIRE(std::regex_search(r.out, m, kAddress));
  return m[1].str();
}

// As the user nobody (when this test runs as root): what another local user, or nginx running
// as its own user, can do. Returns "" or what went unexpectedly.
std::string AsNobody(const fs::path& root, const fs::path& var, const fs::path& patients,
                     const std::string& token) {
  BOOST_REQUIRE(::chmod(root.c_str(), 0711) == 0);  // The test's temp root: traversable.
  // The paths are made before fork: nothing may allocate in the child (ExecArgs,
  // tests/test_util.h).
  const std::string summary = patients / token / "summary.html.pgp";
  const std::string index = patients.parent_path() / "site" / "index.html";
  const std::string token_dir = patients / token, records = var / "records.sqlite";
  const std::string patients_dir = patients, var_dir = var;
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    const auto can_open = [](const std::string& p) {
      const int fd = ::open(p.c_str(), O_RDONLY);
      char c;
      const bool ok = fd >= 0 && ::read(fd, &c, 1) == 1;
      if (fd >= 0) ::close(fd);
      return ok;
    };
    const auto can_list = [](const std::string& p) {
      DIR* d = ::opendir(p.c_str());
      if (d != nullptr) ::closedir(d);
      return d != nullptr;
    };
    if (!can_open(summary)) ::_exit(11);  // nginx serves it.
    if (!can_open(index)) ::_exit(12);
    if (can_list(patients_dir)) ::_exit(13);  // The tokens stay unlisted.
    if (can_list(token_dir)) ::_exit(14);     // A folder's names too.
    if (can_list(var_dir) || can_open(records)) ::_exit(15);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  static const std::map<int, std::string> kWhat = {
      {10, "cannot become nobody"},
      {11, "nobody cannot read a sealed summary by its name"},
      {12, "nobody cannot read the site's index.html"},
      {13, "nobody lists output/patients"},
      {14, "nobody lists a token's folder"},
      {15, "nobody reaches var/"}};
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return kWhat.count(code) ? kWhat.at(code) : "child failed";
}

std::string TokenIn(const fs::path& patients) {
  for (const auto& e : fs::directory_iterator(patients)) {
    const std::string name = e.path().filename().string();
    if (std::regex_match(name, std::regex("[0-9a-f]{32}"))) return name;
  }
  return "";
}

BOOST_AUTO_TEST_CASE(init_the_daemon_and_nightly_leave_var_private_and_output_servable) {
  OpenUmask umask_022;
  MailboxFixture f;  // portal-staff init, portal-gen ingest, enroll, staff add.
  f.StartDaemon();
  const auto purge = f.Staff({"purge"});
  BOOST_REQUIRE_MESSAGE(purge.exit_code == 0, purge.out);
  const auto nightly = f.Gen({"nightly"});  // Last to check var/: its report comes after.
  BOOST_REQUIRE_MESSAGE(nightly.exit_code == 0, nightly.out);
  const std::string body = MailboxFixture::MessageBody(f.kMrnA, "conncare", "Refill",
                                                       "Please refill.", MailboxFixture::Nonce());
  const auto posted = f.Post("/v1/messages", body, &f.alice);
  BOOST_REQUIRE_MESSAGE(posted.status == 202, posted.status << " " << posted.body);
  // With the daemon still running: its WAL and shared-memory files are there too.
  BOOST_TEST(fs::exists(f.var / "mailbox.sqlite-wal"));
  BOOST_TEST(fs::exists(f.var / "mailbox.sqlite-shm"));
  ExpectPrivateState(f.var);
  BOOST_TEST(!Walk(f.var / "reports").empty());  // Made by this nightly, after its check.
  ExpectPublishedModes(f.output);
  if (::geteuid() == 0) {
    BOOST_TEST(AsNobody(f.root(), f.var, f.patients_out, TokenIn(f.patients_out)) == "");
  } else {
    BOOST_TEST_MESSAGE("not root: another user's view of output/ is not tried");
  }
}

// An install from before: var/ 0755 with 0644 databases and reports, output/patients and a
// token's folder 0755. The next nightly tightens var/ with a line per change and closes output.
BOOST_AUTO_TEST_CASE(an_older_install_is_made_private_by_the_next_nightly) {
  OpenUmask umask_022;
  PortalFixture f;
  const auto who = f.NewPerson("person-a");
  f.WriteExtract("001.ndjson",
                 {PatientLine(kAda), LabLine("oa1", "pa", "Glucose", "2025-05-01T08:00:00Z")});
  f.Init();
  auto r = f.Gen({"ingest", (f.extracts / "001.ndjson").string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  const std::string token = EnrollToken(f, kAda.mrn, who);
  r = f.Gen({"nightly"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  for (const char* db : {"records.sqlite", "registry.sqlite", "nightly.sqlite"}) {
    BOOST_REQUIRE(::chmod((f.var / db).c_str(), 0644) == 0);
  }
  BOOST_REQUIRE(::chmod((f.var / "reports").c_str(), 0755) == 0);
  BOOST_REQUIRE(::chmod(f.var.c_str(), 0755) == 0);
  BOOST_REQUIRE(::chmod(f.patients_out.c_str(), 0755) == 0);
  BOOST_REQUIRE(::chmod((f.patients_out / token).c_str(), 0755) == 0);

  r = f.Gen({"nightly"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  const std::string var = f.var.string();
  for (const std::string& line :
       {var + ": the state directory was 0755, now 0700 (it holds PHI and keys: its owner's alone)",
        var + "/records.sqlite: was 0644, now 0600", var + "/registry.sqlite: was 0644, now 0600",
        var + "/nightly.sqlite: was 0644, now 0600", var + "/reports: was 0755, now 0700"}) {
    BOOST_TEST(r.out.find(line + "\n") != std::string::npos, line << " in\n" << r.out);
  }
  BOOST_TEST(r.out.find(token) == std::string::npos);  // No token in the lines.
  ExpectPrivateState(f.var);
  ExpectPublishedModes(f.output);
  BOOST_TEST(ModeOf(f.patients_out / token) == 0711u);

  // The next run has nothing to say.
  r = f.Gen({"nightly"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  BOOST_TEST(r.out.find(var + ": the state directory") == std::string::npos, r.out);
  BOOST_TEST(r.out.find("now 0600") == std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(another_users_state_directory_is_refused_by_each_program) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("not root: a state directory of another user cannot be made here");
    return;
  }
  OpenUmask umask_022;
  PortalFixture f;
  f.Init();
  BOOST_REQUIRE(::chmod((f.var / "records.sqlite").c_str(), 0644) == 0);
  BOOST_REQUIRE(::chown(f.var.c_str(), 65534, 65534) == 0);
  const std::string refusal =
      f.var.string() +
      ": the state directory belongs to nobody (uid 65534), not to this user root (uid 0); run "
      "the portal's programs as its owner (sudo -u <owner>), or make it this user's with `chown "
      "-R 0 " +
      f.var.string() + "`";
  const auto nightly = f.Gen({"nightly"});
  BOOST_TEST(nightly.exit_code == 1, nightly.out);
  BOOST_TEST(nightly.out.find("portal-gen: error: " + refusal) != std::string::npos, nightly.out);
  const auto staff = f.Staff({"init"});
  BOOST_TEST(staff.exit_code == 1, staff.out);
  BOOST_TEST(staff.out.find("portal-staff: error: " + refusal) != std::string::npos, staff.out);
  testing::MailboxDaemon daemon(f.config, f.root() / "mailboxd.log");
  std::string why;
  BOOST_TEST(!daemon.Start(&why));
  BOOST_TEST(daemon.Log().find("portal-mailboxd: error: " + refusal) != std::string::npos,
             daemon.Log());
  BOOST_TEST(ModeOf(f.var / "records.sqlite") == 0644u);  // Not this user's to change.
  BOOST_REQUIRE(::chown(f.var.c_str(), 0, 0) == 0);
}

}  // namespace
}  // namespace portal
