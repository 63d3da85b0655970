// LargeBuffer: zero-filled, writable, 2 MiB aligned (for huge pages), moves
// its ownership, and an empty buffer is fine.
#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

#include "base/large_buffer.h"

namespace loom {
namespace {

TEST(LargeBuffer, IsZeroedWritableAndHugePageAligned) {
  auto buffer = LargeBuffer::allocate((size_t{5} << 20) + 123);
  ASSERT_TRUE(buffer.ok()) << buffer.status().to_string();
  EXPECT_GE(buffer->size(), (size_t{5} << 20) + 123);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer->data()) % (uintptr_t{2} << 20), 0u);
  EXPECT_EQ(buffer->data()[0], std::byte{0});
  EXPECT_EQ(buffer->data()[buffer->size() - 1], std::byte{0});
  buffer->data()[buffer->size() - 1] = std::byte{7};

  LargeBuffer moved = std::move(*buffer);
  EXPECT_EQ(buffer->data(), nullptr);
  EXPECT_EQ(buffer->size(), 0u);
  EXPECT_EQ(moved.data()[moved.size() - 1], std::byte{7});
}

TEST(LargeBuffer, EmptyIsValid) {
  auto buffer = LargeBuffer::allocate(0);
  ASSERT_TRUE(buffer.ok());
  EXPECT_EQ(buffer->data(), nullptr);
  EXPECT_EQ(buffer->size(), 0u);
}

}  // namespace
}  // namespace loom
