#include "core/gpg_worker.h"

#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "core/gpg.h"

extern char** environ;

namespace portal {

namespace fs = std::filesystem;

namespace {

// Sends all of `data`; false if the peer is gone (no SIGPIPE).
bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads exactly `size` bytes; false at end of input or on error.
bool ReadAll(int fd, size_t size, std::string* out) {
  out->resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, out->data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string U32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

bool ReadU32(int fd, uint32_t* v) {
  std::string b;
  if (!ReadAll(fd, 4, &b)) return false;
  *v = 0;
  for (int i = 3; i >= 0; --i) *v = (*v << 8) | static_cast<unsigned char>(b[i]);
  return true;
}

bool ReadBlob(int fd, std::string* out) {
  uint32_t len = 0;
  return ReadU32(fd, &len) && ReadAll(fd, len, out);
}

std::string Blob(std::string_view data) {
  return U32(static_cast<uint32_t>(data.size())) + std::string(data);
}

}  // namespace

fs::path GpgWorkerProgram() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return self.parent_path() / "portal-gpg-worker";
}

Status GpgWorkerClient::Start(const fs::path& program, const fs::path& home,
                              const std::string& signer, std::unique_ptr<GpgWorkerClient>* out) {
  std::unique_ptr<GpgWorkerClient> client(new GpgWorkerClient());
  client->program_ = program;
  client->home_ = home;
  client->signer_ = signer;
  PORTAL_RETURN_IF_ERROR(client->Spawn());
  *out = std::move(client);
  return Status::Ok();
}

Status GpgWorkerClient::Spawn() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Status::IoError(std::string("socketpair: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 0);  // dup2 clears CLOEXEC on fd 0.
  const std::string p = program_.string(), h = home_.string();
  std::vector<char*> argv = {const_cast<char*>(p.c_str()), const_cast<char*>(h.c_str()),
                             const_cast<char*>(signer_.c_str()), nullptr};
  pid_t pid = 0;
  // posix_spawn uses vfork semantics: cheap however big this process is.
  const int rc = ::posix_spawn(&pid, p.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Status::IoError(p + ": cannot start: " + std::strerror(rc));
  }
  fd_ = fds[0];
  pid_ = pid;
  return Status::Ok();
}

void GpgWorkerClient::Reap() {
  if (fd_ >= 0) ::close(fd_);  // End of input: the helper exits.
  fd_ = -1;
  int status = 0;
  while (pid_ > 0 && ::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

GpgWorkerClient::~GpgWorkerClient() { Reap(); }

bool GpgWorkerClient::Exchange(const std::string& request, bool* ok, std::string* answer) {
  std::string flag;
  if (!SendAll(fd_, request) || !ReadAll(fd_, 1, &flag) || !ReadBlob(fd_, answer)) return false;
  *ok = flag[0] == 1;
  return true;
}

Status GpgWorkerClient::SignAndEncryptToKeyFiles(std::string_view plaintext,
                                                 const std::vector<fs::path>& key_files,
                                                 std::string* ciphertext) {
  std::string request = U32(static_cast<uint32_t>(key_files.size()));
  for (const auto& f : key_files) request += Blob(f.string());
  request += Blob(plaintext);
  bool ok = false;
  if (!Exchange(request, &ok, ciphertext)) {
    Reap();
    PORTAL_RETURN_IF_ERROR(Spawn());
    if (!Exchange(request, &ok, ciphertext)) {
      ciphertext->clear();
      return Status::IoError("portal-gpg-worker stopped answering (started again once)");
    }
  }
  if (!ok) {
    Status st = Status::IoError(*ciphertext);
    ciphertext->clear();
    return st;
  }
  return Status::Ok();
}

Status ServeGpgWorker(int fd, const fs::path& home, const std::string& signer) {
  std::unique_ptr<GpgContext> gpg;
  Status setup = GpgContext::Open(home, /*armor=*/false, &gpg);
  if (setup.ok()) setup = gpg->SetSigner(signer);
  for (;;) {
    uint32_t count = 0;
    if (!ReadU32(fd, &count)) return Status::Ok();  // End of input.
    std::vector<fs::path> keys;
    std::string blob;
    for (uint32_t i = 0; i < count; ++i) {
      if (!ReadBlob(fd, &blob)) return Status::IoError("request cut short");
      keys.emplace_back(blob);
    }
    std::string plaintext, ciphertext;
    if (!ReadBlob(fd, &plaintext)) return Status::IoError("request cut short");
    Status st = setup;
    if (st.ok()) st = gpg->SignAndEncryptToKeyFiles(plaintext, keys, &ciphertext);
    const std::string answer = st.ok() ? std::string(1, '\1') + Blob(ciphertext)
                                       : std::string(1, '\0') + Blob(st.message());
    if (!SendAll(fd, answer)) return Status::IoError("client gone");
  }
}

}  // namespace portal
