#include "generator/nightly/nightly_replies.h"

#include "core/reply_dropbox.h"

namespace portal {

namespace fs = std::filesystem;

Status PublishReplies(const fs::path& replies_dir, const std::set<std::string>& tokens, int shard,
                      int shard_count, SummaryPublisher* publisher, NightlySink* sink) {
  int replies = 0;
  for (const auto& token : tokens) {
    if (ShardOfToken(token, shard_count) != shard) continue;
    const fs::path source = ReplyFolder(replies_dir, token);
    std::error_code ec;
    if (!fs::is_directory(source, ec) &&
        !fs::is_directory(publisher->FolderOf(token) / "replies", ec)) {
      continue;
    }
    int n = 0;
    PORTAL_RETURN_IF_ERROR(publisher->SyncReplies(token, source, &n));
    replies += n;
  }
  if (replies > 0) {
    PORTAL_RETURN_IF_ERROR(publisher->Sync());
    sink->Phase("replies", std::to_string(replies) + " published");
  }
  return Status::Ok();
}

}  // namespace portal
