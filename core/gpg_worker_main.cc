// portal-gpg-worker HOME SIGNER: signs and encrypts for portal-gen nightly over the socket on
// fd 0 (core/gpg_worker.h says why it is a separate, small process). Not for people to run.
#include <cstdio>

#include "core/gpg_worker.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "portal-gpg-worker: started by portal-gen nightly, not by hand\n");
    return 2;
  }
  const portal::Status st = portal::ServeGpgWorker(0, argv[1], argv[2]);
  if (!st.ok()) {
    std::fprintf(stderr, "portal-gpg-worker: %s\n", st.message().c_str());
    return st.ExitCode();
  }
  return 0;
}
