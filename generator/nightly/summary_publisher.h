#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "core/status.h"
#include "generator/summaries/summary_model.h"

namespace portal {

// Which of `count` shards a patient's token belongs to: deterministic, from the token alone,
// so every machine agrees and stale files can be assigned without the registry.
int ShardOfToken(const std::string& token, int count);

// True for what the registry issues as tokens (32 lower-case hex digits).
bool IsTokenName(std::string_view name);

// The published side of the summaries: DIR/<token>/summary.html.pgp (the patient's own page,
// sealed to the patient's keys) and DIR/<token>/summary-proxy.html.pgp (the proxies' page,
// sealed to theirs), where DIR is paths.summaries_output_dir (or `--output`/patients). Nothing
// in a path comes from the record. DIR and the token folders are 0711 (nginx, another user,
// opens a file by its exact name; no local user lists the tokens), the files 0644 (sealed). Files
// are replaced atomically and durably; temporary files live in DIR/.staging-<shard>/, emptied at
// the start of each run.
class SummaryPublisher {
 public:
  static constexpr char kPatientFileName[] = "summary.html.pgp";
  static constexpr char kProxyFileName[] = "summary-proxy.html.pgp";
  static const char* FileName(Audience audience);

  SummaryPublisher(std::filesystem::path dir, int shard, int shard_count);

  // Creates DIR (missing parents 0755), sets DIR and this shard's token folders to 0711 (an
  // older run left 0755) and empties this shard's staging folder (left over by a killed run).
  Status Open();

  std::filesystem::path FolderOf(const std::string& token) const;
  std::filesystem::path FileOf(const std::string& token, Audience audience) const;
  bool Exists(const std::string& token, Audience audience) const;
  // Replaces the token's page atomically (data fsynced before the rename); the new names are
  // durable after Sync().
  Status Publish(const std::string& token, Audience audience, std::string_view message);
  Status Sync() const;
  // Removes one page of the token's folder (nothing if it is not there); durable after Sync().
  Status RemovePage(const std::string& token, Audience audience);
  // Removes the token's folder with everything in it.
  Status Remove(const std::string& token);
  // Tokens of this shard that have a folder.
  Status ListTokens(std::set<std::string>* tokens) const;
  // Mirrors `source` (ReplyFolder: staff's sealed replies, the files IsReplyFileName takes) into
  // DIR/<token>/replies/: new or changed files published atomically, files gone from the source
  // removed. *published counts the files written. Durable after Sync().
  Status SyncReplies(const std::string& token, const std::filesystem::path& source, int* published);
  // A file beside the patients' folders (the signing key's public half).
  Status PublishShared(const std::string& name, std::string_view data);

 private:
  Status CloseTokenFolders() const;

  std::filesystem::path dir_;
  std::filesystem::path staging_;
  int shard_;
  int shard_count_;
};

}  // namespace portal
