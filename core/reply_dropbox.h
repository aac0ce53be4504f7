#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace portal {

// The contract between `portal-staff reply` (the writer) and the nightly run (the reader): a
// sealed reply is one file replies/<token>/reply-<id>.html.pgp under the state directory, <id>
// being the day it was sealed and a random suffix (1 to 64 of A-Z, a-z, 0-9 and -). The nightly
// run publishes exactly the files whose names pass IsReplyFileName beside the token's summary.

// replies/<token>/ under `replies_dir` (StateLayout::replies_dir).
std::filesystem::path ReplyFolder(const std::filesystem::path& replies_dir,
                                  const std::string& token);

// "reply-<YYYY-MM-DD of now>-<random_hex>.html.pgp".
std::string NewReplyFileName(int64_t now, const std::string& random_hex);

// True for a name NewReplyFileName could have made (and nothing that could leave the folder).
bool IsReplyFileName(std::string_view name);

}  // namespace portal
