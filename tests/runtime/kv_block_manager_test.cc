// Block allocation and the prefix cache: refcounts, chains of full blocks,
// least-recently-used eviction of unreferenced cached blocks.
#include "runtime/kv_block_manager.h"

#include <gtest/gtest.h>

#include <numeric>

namespace loom::runtime {
namespace {

std::vector<int32_t> iota_tokens(int32_t count, int32_t first) {
  std::vector<int32_t> tokens(static_cast<size_t>(count));
  std::iota(tokens.begin(), tokens.end(), first);
  return tokens;
}

// Allocates and publishes the full blocks of `tokens` as a sequence would.
std::vector<int32_t> write_sequence(KvBlockManager& manager, const std::vector<int32_t>& tokens) {
  std::vector<int32_t> table;
  uint64_t parent = 0;
  const int64_t size = manager.block_size();
  for (size_t start = 0; start < tokens.size(); start += static_cast<size_t>(size)) {
    table.push_back(*manager.allocate());
    if (start + static_cast<size_t>(size) <= tokens.size()) {
      parent = manager.publish(table.back(), parent, std::span(tokens).subspan(start, static_cast<size_t>(size)));
    }
  }
  return table;
}

void release_all(KvBlockManager& manager, const std::vector<int32_t>& table) {
  for (auto block = table.rbegin(); block != table.rend(); ++block) manager.release(*block);
}

TEST(KvBlockManager, AllocatesEveryBlockOnceThenNone) {
  KvBlockManager manager(3, 4);
  std::vector<int32_t> got;
  for (int i = 0; i < 3; ++i) got.push_back(*manager.allocate());
  EXPECT_FALSE(manager.allocate().has_value());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(manager.used_blocks(), 3);
  manager.release(got[1]);
  EXPECT_EQ(manager.available_blocks(), 1);
  EXPECT_EQ(*manager.allocate(), got[1]);
}

TEST(KvBlockManager, MatchesTheLongestChainOfFullBlocks) {
  KvBlockManager manager(8, 4);
  const std::vector<int32_t> tokens = iota_tokens(10, 100);  // two full blocks and a partial one
  const std::vector<int32_t> table = write_sequence(manager, tokens);
  release_all(manager, table);
  EXPECT_EQ(manager.used_blocks(), 0);
  EXPECT_EQ(manager.cached_blocks(), 2);

  std::vector<int32_t> other = tokens;
  other[9] = 7;  // differs in the partial block only
  KvBlockManager::Match match = manager.match_prefix(other, 100);
  EXPECT_EQ(match.blocks, (std::vector<int32_t>{table[0], table[1]}));
  EXPECT_EQ(manager.used_blocks(), 2);
  release_all(manager, match.blocks);

  other[5] = 7;  // differs in the second block: only the first matches
  match = manager.match_prefix(other, 100);
  EXPECT_EQ(match.blocks, (std::vector<int32_t>{table[0]}));
  release_all(manager, match.blocks);

  other[0] = 7;  // same second block after a different first: no match (chained hashes)
  other[5] = tokens[5];
  EXPECT_TRUE(manager.match_prefix(other, 100).blocks.empty());
  EXPECT_EQ(manager.match_prefix(tokens, 1).blocks.size(), 1u);  // capped
}

TEST(KvBlockManager, SharedBlocksStayUntilTheLastReferenceGoes) {
  KvBlockManager manager(4, 4);
  const std::vector<int32_t> tokens = iota_tokens(8, 1);
  const std::vector<int32_t> table = write_sequence(manager, tokens);
  KvBlockManager::Match match = manager.match_prefix(tokens, 2);
  ASSERT_EQ(match.blocks, table);
  release_all(manager, table);
  EXPECT_EQ(manager.used_blocks(), 2);  // still referenced by the match
  // The two unreferenced blocks are the only ones allocate() may give.
  ASSERT_TRUE(manager.allocate().has_value());
  ASSERT_TRUE(manager.allocate().has_value());
  EXPECT_FALSE(manager.allocate().has_value());
  EXPECT_EQ(manager.cached_blocks(), 2);
}

TEST(KvBlockManager, EvictsTheLeastRecentlyUsedCachedBlocksFirst) {
  KvBlockManager manager(4, 2);
  const std::vector<int32_t> old_tokens = {1, 2, 3, 4};
  const std::vector<int32_t> new_tokens = {5, 6, 7, 8};
  release_all(manager, write_sequence(manager, old_tokens));
  release_all(manager, write_sequence(manager, new_tokens));
  EXPECT_EQ(manager.cached_blocks(), 4);
  EXPECT_EQ(manager.available_blocks(), 4);
  // Two fresh blocks: the older chain's go, tail first, the newer one stays whole.
  const int32_t first = *manager.allocate();
  const int32_t second = *manager.allocate();
  EXPECT_EQ(manager.cached_blocks(), 2);
  EXPECT_TRUE(manager.match_prefix(old_tokens, 2).blocks.empty());
  KvBlockManager::Match kept = manager.match_prefix(new_tokens, 2);
  EXPECT_EQ(kept.blocks.size(), 2u);
  EXPECT_NE(first, second);
}

TEST(KvBlockManager, TailOfAChainIsEvictedBeforeItsHead) {
  KvBlockManager manager(3, 2);
  const std::vector<int32_t> tokens = {1, 2, 3, 4, 5, 6};
  release_all(manager, write_sequence(manager, tokens));
  ASSERT_TRUE(manager.allocate().has_value());
  EXPECT_EQ(manager.match_prefix(tokens, 3).blocks.size(), 2u);  // the first two blocks are still cached
}

}  // namespace
}  // namespace loom::runtime
