// Hostile and broken GGUF files: each must give a precise error (checked by
// substring: which field, which key or tensor, what value, what limit), never a
// crash, a hang or a huge allocation. Truncation and byte-flip sweeps cover every
// offset of a small valid file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "model/gguf_file.h"
#include "model/gguf_test_bytes.h"
#include "model/gguf_writer.h"
#include "support/oracle.h"

namespace loom::model {
namespace {

using ::testing::HasSubstr;
using testing::GgufBytes;

constexpr uint32_t kF32 = 0;
constexpr uint32_t kQ8_0 = 8;
constexpr uint32_t kTypeString = 8;
constexpr uint32_t kTypeArray = 9;
constexpr uint32_t kTypeUint32 = 4;
constexpr uint32_t kTypeUint64 = 10;
constexpr uint32_t kTypeBool = 7;

std::string parse_error(std::span<const std::byte> bytes) {
  Result<GgufFile> file = GgufFile::parse(bytes);
  if (file.ok()) return "<parsed without error>";
  return file.status().message();
}
std::string parse_error(const GgufBytes& bytes) { return parse_error(bytes.span()); }

// A file whose only content is one metadata key of the given type and value bytes.
GgufBytes one_key(std::string_view key, uint32_t type) { return std::move(GgufBytes().header(0, 1).str(key).u32(type)); }

TEST(GgufBroken, Header) {
  EXPECT_THAT(parse_error(GgufBytes()), HasSubstr("0 bytes is too small for the 4-byte magic"));
  EXPECT_THAT(parse_error(GgufBytes().text("GGUX").u32(3).u64(0).u64(0)),
              HasSubstr("not a GGUF file: the magic is 'GGUX', expected 'GGUF'"));
  EXPECT_THAT(parse_error(GgufBytes().text("\x89PNG").u32(3).u64(0).u64(0)),
              HasSubstr("not a GGUF file: the magic is '\\x89PNG', expected 'GGUF'"));
  EXPECT_THAT(parse_error(GgufBytes().header(0, 0, 1)), HasSubstr("GGUF version 1 is not supported"));
  EXPECT_THAT(parse_error(GgufBytes().header(0, 0, 4)),
              HasSubstr("GGUF version 4 is not supported; supported versions: 2, 3"));
  EXPECT_THAT(parse_error(GgufBytes().header(0, 0, 0x03000000)), HasSubstr("big-endian GGUF files are not supported"));
  EXPECT_THAT(parse_error(GgufBytes().text("GGUF").u32(3).u32(0)),
              HasSubstr("tensor count at offset 8 needs 8 bytes but the file ends after 4"));
  EXPECT_EQ(GgufFile::parse(GgufBytes().header(0, 0).span()).status().code(), StatusCode::kOk);
}

TEST(GgufBroken, HugeCountsAreRejectedBeforeAllocating) {
  EXPECT_THAT(parse_error(GgufBytes().header(uint64_t{1} << 60, 0).zeros(100)),
              HasSubstr("tensor count 1152921504606846976 is impossible: the 100 bytes after the header hold at most 4"));
  EXPECT_THAT(parse_error(GgufBytes().header(0, uint64_t{1} << 60).zeros(100)),
              HasSubstr("metadata key count 1152921504606846976 is impossible"));
  EXPECT_THAT(parse_error(GgufBytes().header(0, ~uint64_t{0})), HasSubstr("metadata key count 18446744073709551615"));
}

TEST(GgufBroken, HugeStringLengths) {
  EXPECT_THAT(parse_error(GgufBytes().header(0, 1).u64(uint64_t{1} << 63).zeros(16)),
              HasSubstr("metadata key #0: key length 9223372036854775808 at offset 24 exceeds the 16 bytes left"));
  EXPECT_THAT(parse_error(one_key("general.name", kTypeString).u64(~uint64_t{0}).text("abc")),
              HasSubstr("metadata key #0 'general.name': string value length 18446744073709551615 at offset 48 "
                        "exceeds the 3 bytes left"));
  EXPECT_THAT(parse_error(GgufBytes().header(1, 0).u64(uint64_t{1} << 62).zeros(40)),
              HasSubstr("tensor #0: name length 4611686018427387904"));
}

TEST(GgufBroken, HugeArrays) {
  EXPECT_THAT(parse_error(one_key("ids", kTypeArray).u32(kTypeUint32).u64(uint64_t{1} << 62).zeros(8)),
              HasSubstr("metadata key #0 'ids': array of 4611686018427387904 uint32 at offset 43 needs "
                        "4611686018427387904 x 4 bytes but only 8 are left"));
  EXPECT_THAT(parse_error(one_key("tokens", kTypeArray).u32(kTypeString).u64(uint64_t{1} << 61).zeros(64)),
              HasSubstr("metadata key #0 'tokens': array of 2305843009213693952 strings at offset 46 is impossible"));
  EXPECT_THAT(parse_error(one_key("tokens", kTypeArray).u32(kTypeString).u64(2).str("a").u64(1000).text("bc")),
              HasSubstr("'tokens': string array element #1 length 1000"));
}

TEST(GgufBroken, BadValueTypes) {
  EXPECT_THAT(parse_error(one_key("k", 13).u64(0)), HasSubstr("metadata key #0 'k': unknown value type 13"));
  EXPECT_THAT(parse_error(one_key("k", 0x80000000u).u64(0)), HasSubstr("unknown value type 2147483648"));
  EXPECT_THAT(parse_error(one_key("k", kTypeArray).u32(99).u64(0)), HasSubstr("'k': unknown array element type 99"));
  Status nested = GgufFile::parse(one_key("k", kTypeArray).u32(kTypeArray).u64(1).u32(kTypeUint32).u64(0).span())
                      .status();
  EXPECT_EQ(nested.code(), StatusCode::kUnimplemented);
  EXPECT_THAT(nested.message(), HasSubstr("metadata key #0 'k': arrays of arrays are not supported"));
  EXPECT_THAT(parse_error(one_key("flag", kTypeBool).u8(2)), HasSubstr("'flag': bool value 2 at offset 40 is neither 0 nor 1"));
  EXPECT_THAT(parse_error(one_key("flags", kTypeArray).u32(kTypeBool).u64(3).u8(1).u8(5).u8(0)),
              HasSubstr("'flags': bool array element #1 is 5"));
}

TEST(GgufBroken, BadAndDuplicateKeys) {
  EXPECT_THAT(parse_error(one_key("", kTypeUint32).u32(1)), HasSubstr("metadata key #0: the key is empty"));
  EXPECT_THAT(parse_error(one_key(std::string_view("abc\0d", 5), kTypeUint32).u32(1)),
              HasSubstr("'abc\\x00d': the key contains control byte 0 at position 3"));
  // Names in any language are shown as they are; ill-formed UTF-8 byte by byte
  // as escapes, so that no message carries broken UTF-8 (a lone lead byte, a
  // stray continuation byte, a truncated sequence).
  GgufBytes names;
  names.header(0, 2).str("caf\xc3\xa9").u32(kTypeUint32).u32(1).str("caf\xc3\xa9").u32(kTypeUint32).u32(1);
  EXPECT_THAT(parse_error(names), HasSubstr("'caf\xc3\xa9': duplicate key"));
  names = GgufBytes();
  names.header(0, 2).str("\xff\x80x\xe2\x82").u32(kTypeUint32).u32(1).str("\xff\x80x\xe2\x82").u32(kTypeUint32).u32(1);
  EXPECT_THAT(parse_error(names), HasSubstr("'\\xff\\x80x\\xe2\\x82': duplicate key"));
  GgufBytes duplicate;
  duplicate.header(0, 3).str("a.b").u32(kTypeUint32).u32(1).str("c").u32(kTypeUint32).u32(1);
  duplicate.str("a.b").u32(kTypeString).str("x");
  EXPECT_THAT(parse_error(duplicate), HasSubstr("metadata key #2 'a.b': duplicate key (first defined at metadata key #0)"));
}

TEST(GgufBroken, BadAlignment) {
  EXPECT_THAT(parse_error(one_key("general.alignment", kTypeUint32).u32(0)),
              HasSubstr("'general.alignment': general.alignment 0 is not a nonzero power of two"));
  EXPECT_THAT(parse_error(one_key("general.alignment", kTypeUint32).u32(24)),
              HasSubstr("general.alignment 24 is not a nonzero power of two"));
  EXPECT_THAT(parse_error(one_key("general.alignment", kTypeUint64).u64(32)),
              HasSubstr("general.alignment must be uint32, not uint64"));
}

// One tensor info after an empty metadata section, then data.
GgufBytes one_tensor(std::vector<uint64_t> dims, uint32_t type, uint64_t offset = 0) {
  GgufBytes bytes;
  bytes.header(1, 0).tensor("w", std::move(dims), type, offset);
  return bytes;
}

TEST(GgufBroken, BadTensorInfos) {
  EXPECT_THAT(parse_error(one_tensor({1, 1, 1, 1, 1}, kF32).pad_to(32).zeros(4)),
              HasSubstr("tensor #0 'w': has 5 dimensions; at most 4 are allowed"));
  EXPECT_THAT(parse_error(GgufBytes().header(1, 0).str("w").u32(0xffffffff).zeros(64)),
              HasSubstr("has 4294967295 dimensions"));
  EXPECT_THAT(parse_error(one_tensor({4, uint64_t{1} << 63}, kF32)),
              HasSubstr("tensor #0 'w': dimension 1 is 9223372036854775808, above the int64 limit"));
  EXPECT_THAT(parse_error(one_tensor({uint64_t{1} << 32, uint64_t{1} << 32, uint64_t{1} << 32}, kF32)),
              HasSubstr("shape [4294967296, 4294967296, 4294967296] overflows 64 bits"));
  EXPECT_THAT(parse_error(one_tensor({uint64_t{1} << 62, 2}, kF32)), HasSubstr("overflows 64 bits"));
  EXPECT_THAT(parse_error(one_tensor({32}, 99)), HasSubstr("'w': has unknown or removed GGML type id 99 (type 99)"));
  EXPECT_THAT(parse_error(one_tensor({32}, 4)), HasSubstr("unknown or removed GGML type id 4 (q4_2)"));
  EXPECT_THAT(parse_error(one_tensor({33, 2}, kQ8_0)),
              HasSubstr("'w': has 33 elements per row, not a multiple of the 32-element blocks of type q8_0"));
  EXPECT_THAT(parse_error(GgufBytes().header(1, 0).tensor("", {4}, kF32, 0).pad_to(32).zeros(16)),
              HasSubstr("tensor #0: the tensor name is empty"));
  GgufBytes duplicate;
  duplicate.header(2, 0).tensor("w", {4}, kF32, 0).tensor("w", {4}, kF32, 32).pad_to(32).zeros(64);
  EXPECT_THAT(parse_error(duplicate), HasSubstr("tensor #1 'w': duplicate tensor name (first defined at tensor #0)"));
}

TEST(GgufBroken, TensorDataOutOfRangeMisalignedOrOverlapping) {
  EXPECT_THAT(parse_error(one_tensor({16}, kF32).pad_to(32).zeros(32)),
              HasSubstr("tensor #0 'w': data [0, 0 + 64) lies outside the 32-byte data section"));
  EXPECT_THAT(parse_error(one_tensor({4}, kF32, 64).pad_to(32).zeros(64)),
              HasSubstr("data [64, 64 + 16) lies outside the 64-byte data section"));
  EXPECT_THAT(parse_error(one_tensor({4}, kF32, ~uint64_t{0} - 31).pad_to(32).zeros(64)),
              HasSubstr("data [18446744073709551584, 18446744073709551584 + 16) lies outside"));
  EXPECT_THAT(parse_error(one_tensor({4}, kF32, uint64_t{1} << 63).pad_to(32).zeros(64)), HasSubstr("lies outside"));
  EXPECT_THAT(parse_error(one_tensor({4}, kF32, 16).pad_to(32).zeros(64)),
              HasSubstr("tensor #0 'w': data offset 16 is not a multiple of the alignment 32"));
  GgufBytes overlap;
  overlap.header(2, 0).tensor("a", {16}, kF32, 0).tensor("b", {16}, kF32, 32).pad_to(32).zeros(96);
  EXPECT_THAT(parse_error(overlap),
              HasSubstr("tensor #1 'b': data at offset 32 overlaps tensor #0 'a' (offset 0, 64 bytes)"));
  GgufBytes contained;  // b lies inside a, after a short tensor c that starts later
  contained.header(3, 0).tensor("a", {64}, kF32, 0).tensor("c", {4}, kF32, 32).tensor("b", {4}, kF32, 128);
  contained.pad_to(32).zeros(256);
  EXPECT_THAT(parse_error(contained), HasSubstr("overlaps tensor #0 'a'"));
  // A tensor whose infos end where the file ends: the data section lies past the end.
  EXPECT_THAT(parse_error(one_tensor({0}, kF32)), HasSubstr("data section would start at offset 64, past the end"));
}

TEST(GgufBroken, EmptyTensorsAndZeroDimsAreAccepted) {
  GgufBytes bytes;
  bytes.header(3, 0).tensor("empty", {0, 8}, kF32, 0).tensor("scalar", {}, kF32, 0).tensor("b", {1}, kF32, 32);
  bytes.pad_to(32).zeros(36);
  Result<GgufFile> file = GgufFile::parse(bytes.span());
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->tensors()[0].size_bytes, 0u);
  EXPECT_EQ(file->tensors()[1].element_count(), 1);
  EXPECT_EQ(file->tensors()[1].size_bytes, 4u);
}

// A small valid file exercising every section: scalars, arrays, strings, tensors.
std::vector<std::byte> small_valid_file() {
  GgufWriter writer;
  writer.set_string("general.architecture", "llama");
  writer.set_uint32("llama.block_count", 2);
  writer.set_float32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  writer.set_bool("tokenizer.ggml.add_bos_token", true);
  writer.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "a"});
  writer.set_int32_array("tokenizer.ggml.token_type", std::vector<int32_t>{2, 3, 3, 1});
  std::vector<std::byte> data(34 * 2 * 2, std::byte{1});
  CHECK(writer.add_tensor("token_embd.weight", tensor::DType::kQ8_0, {64, 2}, data).ok());
  CHECK(writer.add_tensor("output_norm.weight", tensor::DType::kF32, {8}, std::vector<std::byte>(32)).ok());
  return *writer.to_bytes();
}

TEST(GgufBroken, EveryTruncationIsAnErrorNeverACrash) {
  const std::vector<std::byte> bytes = small_valid_file();
  Result<GgufFile> whole = GgufFile::parse(bytes);
  ASSERT_TRUE(whole.ok()) << whole.status().to_string();
  // The last tensor's data ends the file (its size is a multiple of the alignment).
  const GgufTensorInfo& last = whole->tensors().back();
  ASSERT_EQ(whole->data_offset() + last.offset + last.size_bytes, bytes.size());
  for (size_t size = 0; size < bytes.size(); ++size) {
    Result<GgufFile> file = GgufFile::parse(std::span(bytes).first(size));
    ASSERT_FALSE(file.ok()) << "a prefix of " << size << " bytes parsed";
    EXPECT_EQ(file.status().code(), StatusCode::kDataLoss) << file.status().message();
    EXPECT_THAT(file.status().message(), ::testing::AnyOf(HasSubstr("needs"), HasSubstr("exceeds"),
                                                          HasSubstr("impossible"), HasSubstr("outside"),
                                                          HasSubstr("past the end"), HasSubstr("too small")))
        << "prefix " << size << ": " << file.status().message();
  }
}

TEST(GgufBroken, EveryByteFlipParsesOrFailsCleanly) {
  const std::vector<std::byte> bytes = small_valid_file();
  const std::byte replacements[] = {std::byte{0x00}, std::byte{0xff}, std::byte{0x80}, std::byte{0x09}};
  size_t errors = 0;
  for (size_t at = 0; at < bytes.size(); ++at) {
    for (std::byte replacement : replacements) {
      std::vector<std::byte> mutated = bytes;
      mutated[at] = replacement;
      Result<GgufFile> file = GgufFile::parse(mutated);
      if (!file.ok()) {
        ++errors;
        EXPECT_FALSE(file.status().message().empty());
        continue;
      }
      for (const auto& [key, value] : file->metadata()) (void)value.to_display_string();
      for (const GgufTensorInfo& info : file->tensors()) {
        ASSERT_LE(info.data + info.size_bytes, mutated.data() + mutated.size());
      }
    }
  }
  EXPECT_GT(errors, 0u);
}

TEST(GgufBroken, FixtureTruncatedAnywhereInItsHeader) {
  const std::string path = loom::testing::fixtures_dir() + "/stories260k/stories260K-q4_0.gguf";
  Result<GgufFile> fixture = GgufFile::open(path);
  ASSERT_TRUE(fixture.ok()) << fixture.status().to_string();
  Result<MappedFile> mapping = MappedFile::open(path);
  ASSERT_TRUE(mapping.ok());
  const std::span<const std::byte> bytes = mapping->bytes();
  // The file may end with padding after the last tensor's data; everything before that end is required.
  uint64_t required = 0;
  for (const GgufTensorInfo& info : fixture->tensors()) {
    required = std::max(required, fixture->data_offset() + info.offset + info.size_bytes);
  }
  ASSERT_LE(required, bytes.size());
  // Every offset of the header and first keys, then a prime stride (which lands on
  // every kind of field) through the rest of the metadata, tensor infos and data.
  // (The small file above covers every offset; this keeps the sanitizer build fast.)
  for (size_t size = 0; size < required; size += size < 512 ? 1 : size < fixture->data_offset() + 64 ? 31 : 997) {
    Result<GgufFile> file = GgufFile::parse(bytes.first(size));
    ASSERT_FALSE(file.ok()) << "a prefix of " << size << " bytes parsed";
  }
  EXPECT_FALSE(GgufFile::parse(bytes.first(required - 1)).ok());
  EXPECT_TRUE(GgufFile::parse(bytes.first(required)).ok());
}

TEST(GgufBroken, OpenNamesTheFile) {
  Status missing = GgufFile::open("/nonexistent/model.gguf").status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("/nonexistent/model.gguf"));
  Status not_gguf = GgufFile::open(loom::testing::fixtures_dir() + "/stories260k/stories260K.bin").status();
  EXPECT_THAT(not_gguf.message(), HasSubstr("stories260K.bin: not a GGUF file"));
}

}  // namespace
}  // namespace loom::model
