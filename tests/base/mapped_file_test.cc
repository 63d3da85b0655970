// MappedFile: maps a whole file read-only, reports a missing file, and
// release() unmaps the pages of a range, which read back unchanged.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/mapped_file.h"

namespace loom {
namespace {

// Whether the page holding `address` is mapped in this process (bit 63 of its
// /proc/self/pagemap entry, readable without privileges).
bool page_present(const std::byte* address) {
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  std::FILE* pagemap = std::fopen("/proc/self/pagemap", "rb");
  if (pagemap == nullptr) ADD_FAILURE() << "cannot open /proc/self/pagemap";
  uint64_t entry = 0;
  const long offset = static_cast<long>(reinterpret_cast<uintptr_t>(address) / page * sizeof(entry));
  const bool read = pagemap != nullptr && std::fseek(pagemap, offset, SEEK_SET) == 0 &&
                    std::fread(&entry, sizeof(entry), 1, pagemap) == 1;
  if (pagemap != nullptr) std::fclose(pagemap);
  EXPECT_TRUE(read) << "cannot read /proc/self/pagemap";
  return (entry >> 63) != 0;
}

class MappedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() / ("loom_mapped_" + std::to_string(getpid()))).string();
    bytes_.resize(size_t{8} << 20);
    for (size_t i = 0; i < bytes_.size(); ++i) bytes_[i] = static_cast<char>(i * 7 + i / 4096);
    std::ofstream(path_, std::ios::binary).write(bytes_.data(), static_cast<std::streamsize>(bytes_.size()));
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::string path_;
  std::vector<char> bytes_;
};

TEST_F(MappedFileTest, MapsTheWholeFile) {
  auto file = MappedFile::open(path_);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  ASSERT_EQ(file->size(), bytes_.size());
  EXPECT_EQ(std::memcmp(file->data(), bytes_.data(), bytes_.size()), 0);
  EXPECT_EQ(file->path(), path_);
}

TEST_F(MappedFileTest, MissingFileIsAnError) {
  auto file = MappedFile::open(path_ + ".missing");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().to_string().find(".missing"), std::string::npos) << file.status().to_string();
}

TEST_F(MappedFileTest, ReleaseUnmapsTheRangeWhichReadsBackUnchanged) {
  if (std::FILE* pagemap = std::fopen("/proc/self/pagemap", "rb")) {
    std::fclose(pagemap);
  } else {
    GTEST_SKIP() << "no /proc/self/pagemap to see which pages are mapped";
  }
  auto file = MappedFile::open(path_);
  ASSERT_TRUE(file.ok());
  const std::byte* data = file->data();
  long sum = 0;
  for (size_t i = 0; i < file->size(); i += 4096) sum += static_cast<long>(data[i]);  // map every page
  ASSERT_NE(sum, -1);
  ASSERT_TRUE(page_present(data + (size_t{3} << 20)));

  // A range that starts and ends inside pages: its whole pages go. (Pages
  // next to it may go too, where the file was mapped in huge pages that the
  // release splits; like the released ones, they read back from the file.)
  const size_t begin = (size_t{1} << 20) + 100, end = (size_t{7} << 20) - 100;
  file->release({data + begin, end - begin});
  EXPECT_FALSE(page_present(data + begin + 4096));
  EXPECT_FALSE(page_present(data + (size_t{4} << 20)));
  EXPECT_FALSE(page_present(data + end - 4096 - 1));

  // Reading next to the range does not map it back (the kernel may map a
  // whole large folio of the page cache on a fault).
  EXPECT_NE(static_cast<int>(data[begin - 200]) + static_cast<int>(data[end + 200]), -1);
  EXPECT_FALSE(page_present(data + begin + 4096));
  EXPECT_FALSE(page_present(data + end - 4096 - 1));

  // Released pages read back from the file.
  EXPECT_EQ(std::memcmp(data, bytes_.data(), bytes_.size()), 0);

  // A range outside the mapping is ignored.
  std::vector<std::byte> other(4096);
  file->release(other);
  file->release({data + file->size() - 10, 20});
  EXPECT_EQ(std::memcmp(data, bytes_.data(), bytes_.size()), 0);
}

}  // namespace
}  // namespace loom
