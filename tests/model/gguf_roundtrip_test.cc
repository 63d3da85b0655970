// GgufWriter -> GgufFile round trips: every metadata type and array kind, tensors
// of several types and alignments, streamed tensor data, and the writer's own
// errors. The reference is the value that went in.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "model/gguf_file.h"
#include "model/gguf_writer.h"

namespace loom::model {
namespace {

using tensor::DType;

std::vector<std::byte> pattern(size_t size, int seed) {
  std::vector<std::byte> out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((i * 131 + seed * 17 + (i >> 8)) & 0xff);
  return out;
}

// Parses bytes the file then owns.
GgufFile parse_ok(std::vector<std::byte> bytes) {
  Result<GgufFile> file = GgufFile::from_bytes(std::move(bytes));
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  return file.ok() ? std::move(*file) : GgufFile();
}

TEST(GgufRoundTrip, EveryScalarType) {
  GgufWriter writer;
  writer.set_uint8("u8", 255);
  writer.set_int8("i8", -128);
  writer.set_uint16("u16", 65535);
  writer.set_int16("i16", -32768);
  writer.set_uint32("u32", 4294967295u);
  writer.set_int32("i32", std::numeric_limits<int32_t>::min());
  writer.set_uint64("u64", std::numeric_limits<uint64_t>::max());
  writer.set_int64("i64", std::numeric_limits<int64_t>::min());
  writer.set_float32("f32", 1.0e-5f);
  writer.set_float64("f64", 0.1);
  writer.set_bool("yes", true);
  writer.set_bool("no", false);
  writer.set_string("text", std::string("h\xc3\xa9llo\0world", 12));
  writer.set_string("empty", "");
  std::vector<std::byte> bytes = *writer.to_bytes();
  Result<GgufFile> parsed = GgufFile::parse(bytes);  // views into `bytes`
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  const GgufFile& file = *parsed;

  EXPECT_EQ(file.version(), 3u);
  ASSERT_EQ(file.metadata().size(), 14u);
  EXPECT_EQ(file.metadata()[0].first, "u8");  // file order is kept
  EXPECT_EQ(file.find("u8")->type(), GgufType::kUint8);
  EXPECT_EQ(*file.get_int("u8"), 255);
  EXPECT_EQ(file.find("i8")->type(), GgufType::kInt8);
  EXPECT_EQ(*file.get_int("i8"), -128);
  EXPECT_EQ(file.find("u16")->type(), GgufType::kUint16);
  EXPECT_EQ(*file.get_int("u16"), 65535);
  EXPECT_EQ(*file.get_int("i16"), -32768);
  EXPECT_EQ(*file.get_int("u32"), 4294967295);
  EXPECT_EQ(*file.get_int("i32"), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(file.find("u64")->type(), GgufType::kUint64);
  EXPECT_EQ(*file.get_uint("u64"), std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(file.get_int("u64").ok());  // does not fit int64
  EXPECT_EQ(*file.get_int("i64"), std::numeric_limits<int64_t>::min());
  EXPECT_FALSE(file.get_uint("i64").ok());  // negative
  EXPECT_EQ(file.find("f32")->type(), GgufType::kFloat32);
  EXPECT_EQ(static_cast<float>(*file.get_float("f32")), 1.0e-5f);
  EXPECT_EQ(*file.get_float("f64"), 0.1);
  EXPECT_EQ(*file.get_float("u16"), 65535.0);  // integers convert to float
  EXPECT_TRUE(*file.get_bool("yes"));
  EXPECT_FALSE(*file.get_bool("no"));
  EXPECT_EQ(*file.get_string("text"), std::string_view("h\xc3\xa9llo\0world", 12));
  EXPECT_EQ(*file.get_string("empty"), "");
  // Zero-copy: the string points into the parsed bytes.
  const char* text = file.get_string("text")->data();
  EXPECT_GE(reinterpret_cast<const std::byte*>(text), bytes.data());
  EXPECT_LT(reinterpret_cast<const std::byte*>(text), bytes.data() + bytes.size());
}

TEST(GgufRoundTrip, SettingAKeyAgainReplacesItInPlace) {
  GgufWriter writer;
  writer.set_uint32("a", 1);
  writer.set_string("b", "x");
  writer.set_float32("a", 2.5f);
  GgufFile file = parse_ok(*writer.to_bytes());
  ASSERT_EQ(file.metadata().size(), 2u);
  EXPECT_EQ(file.metadata()[0].first, "a");
  EXPECT_EQ(file.find("a")->type(), GgufType::kFloat32);
  EXPECT_EQ(*file.get_float("a"), 2.5);
}

template <typename T>
void set_typed_array(GgufWriter& writer, const std::string& key, GgufType type, std::vector<T> values) {
  writer.set_array(key, type, std::as_bytes(std::span<const T>(values)));
}

TEST(GgufRoundTrip, EveryArrayType) {
  GgufWriter writer;
  set_typed_array<uint8_t>(writer, "u8", GgufType::kUint8, {0, 7, 255});
  set_typed_array<int8_t>(writer, "i8", GgufType::kInt8, {-128, 0, 127});
  set_typed_array<uint16_t>(writer, "u16", GgufType::kUint16, {1, 65535});
  set_typed_array<int16_t>(writer, "i16", GgufType::kInt16, {-32768, 5});
  set_typed_array<uint32_t>(writer, "u32", GgufType::kUint32, {4294967295u});
  const std::vector<int32_t> i32 = {-1, 0, 2147483647};
  writer.set_int32_array("i32", i32);
  set_typed_array<uint64_t>(writer, "u64", GgufType::kUint64, {1, 1ull << 63});
  set_typed_array<int64_t>(writer, "i64", GgufType::kInt64, {std::numeric_limits<int64_t>::min(), 3});
  const std::vector<float> f32 = {0.5f, -1.25f, 3.0e38f};
  writer.set_float32_array("f32", f32);
  set_typed_array<double>(writer, "f64", GgufType::kFloat64, {0.1, -2.0});
  set_typed_array<uint8_t>(writer, "bool", GgufType::kBool, {1, 0, 1});
  writer.set_string_array("str", {"<unk>", "", std::string("a\0b", 3), "\xe2\x96\x81the"});
  writer.set_float32_array("empty", {});
  writer.set_string_array("empty_str", {});
  GgufFile file = parse_ok(*writer.to_bytes());

  auto ints = [&](std::string_view key) { return file.find(key)->as_int_array(); };
  EXPECT_EQ(file.find("u8")->array_type(), GgufType::kUint8);
  EXPECT_EQ(*ints("u8"), (std::vector<int64_t>{0, 7, 255}));
  EXPECT_EQ(*ints("i8"), (std::vector<int64_t>{-128, 0, 127}));
  EXPECT_EQ(*ints("u16"), (std::vector<int64_t>{1, 65535}));
  EXPECT_EQ(*ints("i16"), (std::vector<int64_t>{-32768, 5}));
  EXPECT_EQ(*ints("u32"), (std::vector<int64_t>{4294967295}));
  EXPECT_EQ(*ints("i32"), (std::vector<int64_t>{-1, 0, 2147483647}));
  EXPECT_FALSE(ints("u64").has_value());  // 2^63 does not fit int64
  EXPECT_EQ(*ints("i64"), (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), 3}));
  EXPECT_EQ(*ints("bool"), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_FALSE(ints("f32").has_value());
  EXPECT_EQ(*file.find("f32")->as_float_array(), f32);
  EXPECT_EQ(*file.find("f64")->as_float_array(), (std::vector<float>{0.1f, -2.0f}));
  EXPECT_EQ(*file.find("i8")->as_float_array(), (std::vector<float>{-128, 0, 127}));
  const GgufValue& strings = *file.find("str");
  EXPECT_EQ(strings.array_type(), GgufType::kString);
  ASSERT_EQ(strings.array_size(), 4u);
  EXPECT_EQ(strings.as_string_array()[0], "<unk>");
  EXPECT_EQ(strings.as_string_array()[1], "");
  EXPECT_EQ(strings.as_string_array()[2], std::string_view("a\0b", 3));
  EXPECT_EQ(strings.as_string_array()[3], "\xe2\x96\x81the");
  EXPECT_EQ(file.find("empty")->array_size(), 0u);
  EXPECT_EQ(file.find("empty_str")->array_size(), 0u);
  // Scalar accessors never read an array's (unused) scalar slot.
  EXPECT_FALSE(file.find("str")->as_int().has_value());
  EXPECT_FALSE(file.find("u8")->as_uint().has_value());
  EXPECT_FALSE(file.find("u8")->as_float().has_value());
  EXPECT_FALSE(file.find("bool")->as_bool().has_value());
  EXPECT_FALSE(file.get_uint("u8").ok());
  EXPECT_FALSE(file.get_string("str").ok());
}

TEST(GgufRoundTrip, SetValueCopiesEveryKindOfValue) {
  GgufWriter source;
  source.set_int16("a", -3);
  source.set_float64("b", 1.5);
  source.set_string("c", "text");
  source.set_string_array("d", {"x", "yz"});
  const std::vector<float> floats = {1, 2};
  source.set_float32_array("e", floats);
  source.set_bool("f", true);
  const std::vector<std::byte> original = *source.to_bytes();
  GgufFile file = parse_ok(original);
  GgufWriter copy;
  for (const auto& [key, value] : file.metadata()) copy.set_value(key, value);
  EXPECT_EQ(*copy.to_bytes(), original);
}

TEST(GgufRoundTrip, DisplayStrings) {
  GgufWriter writer;
  writer.set_float32("eps", 1e-5f);
  writer.set_string("name", "a\"b\n");
  writer.set_int32_array("ids", std::vector<int32_t>{1, 2, 3, 4, 5});
  writer.set_bool("flag", true);
  GgufFile file = parse_ok(*writer.to_bytes());
  EXPECT_EQ(file.find("eps")->to_display_string(), "1e-05");
  EXPECT_EQ(file.find("name")->to_display_string(), "\"a\\\"b\\n\"");
  EXPECT_EQ(file.find("ids")->to_display_string(3), "[1, 2, 3, ... (5 items)]");
  EXPECT_EQ(file.find("ids")->to_display_string(), "[1, 2, 3, 4, 5]");
  EXPECT_EQ(file.find("flag")->to_display_string(), "true");
}

TEST(GgufRoundTrip, GettersNameTheKeyAndTheTypes) {
  GgufWriter writer;
  writer.set_string("general.architecture", "llama");
  writer.set_uint32("llama.block_count", 5);
  GgufFile file = parse_ok(*writer.to_bytes());
  Status missing = file.get_int("llama.context_length").status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("'llama.context_length' is missing"), std::string::npos) << missing.message();
  Status wrong = file.get_int("general.architecture").status();
  EXPECT_NE(wrong.message().find("'general.architecture' has type string"), std::string::npos) << wrong.message();
  EXPECT_EQ(*file.get_int_or("llama.context_length", 2048), 2048);
  EXPECT_EQ(*file.get_int_or("llama.block_count", 1), 5);
  EXPECT_FALSE(file.get_int_or("general.architecture", 1).ok());  // present with the wrong type
  EXPECT_EQ(*file.get_float_or("missing", 0.25), 0.25);
  EXPECT_TRUE(*file.get_bool_or("missing", true));
}

TEST(GgufRoundTrip, TensorsOfSeveralTypesAreAlignedAndZeroCopy) {
  GgufWriter writer;
  writer.set_string("general.architecture", "test");
  const std::vector<std::byte> f32 = pattern(4 * 3 * 5, 1);
  const std::vector<std::byte> q8 = pattern(34 * 2 * 3, 2);
  const std::vector<std::byte> q4 = pattern(18 * 1 * 2 * 3 * 2, 3);
  const std::vector<std::byte> f16 = pattern(2 * 7, 4);
  ASSERT_TRUE(writer.add_tensor("a.f32", DType::kF32, {3, 5}, f32).ok());
  ASSERT_TRUE(writer.add_tensor("b.q8_0", DType::kQ8_0, {64, 3}, q8).ok());
  ASSERT_TRUE(writer.add_tensor("c.q4_0", DType::kQ4_0, {32, 2, 3, 2}, q4).ok());
  ASSERT_TRUE(writer.add_tensor_view("d.f16", DType::kF16, {7}, f16).ok());
  const std::vector<std::byte> bytes = *writer.to_bytes();
  Result<GgufFile> parsed = GgufFile::parse(bytes);  // views into `bytes`
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  const GgufFile& file = *parsed;

  ASSERT_EQ(file.tensors().size(), 4u);
  EXPECT_EQ(file.alignment(), 32u);
  EXPECT_EQ(file.data_offset() % 32, 0u);
  const std::vector<const std::vector<std::byte>*> expected_data = {&f32, &q8, &q4, &f16};
  for (size_t index = 0; index < file.tensors().size(); ++index) {
    const GgufTensorInfo& info = file.tensors()[index];
    SCOPED_TRACE(info.name);
    EXPECT_EQ(info.offset % 32, 0u);
    EXPECT_EQ(info.size_bytes, expected_data[index]->size());
    ASSERT_NE(info.data, nullptr);
    EXPECT_EQ(info.data, bytes.data() + file.data_offset() + info.offset);  // a view, not a copy
    EXPECT_TRUE(std::equal(info.bytes().begin(), info.bytes().end(), expected_data[index]->begin()));
  }
  const GgufTensorInfo* q4_info = file.find_tensor("c.q4_0");
  ASSERT_NE(q4_info, nullptr);
  EXPECT_EQ(q4_info->shape, (std::vector<int64_t>{32, 2, 3, 2}));
  EXPECT_EQ(q4_info->element_count(), 384);
  EXPECT_EQ(q4_info->type, DType::kQ4_0);
  EXPECT_EQ(q4_info->ggml_type, 2u);
  EXPECT_EQ(file.find_tensor("b.q8_0")->type_name(), "q8_0");
  EXPECT_EQ(file.find_tensor("missing"), nullptr);
  // llama.cpp's layout: the file ends with the last tensor's padded data.
  EXPECT_EQ(bytes.size(), file.data_offset() + 64 + 224 + 224 + 32);
}

TEST(GgufRoundTrip, CustomAlignment) {
  GgufWriter writer;
  writer.set_uint32("general.alignment", 128);
  ASSERT_TRUE(writer.add_tensor("a", DType::kF32, {3}, pattern(12, 5)).ok());
  ASSERT_TRUE(writer.add_tensor("b", DType::kF32, {5}, pattern(20, 6)).ok());
  GgufFile file = parse_ok(*writer.to_bytes());
  EXPECT_EQ(file.alignment(), 128u);
  EXPECT_EQ(file.data_offset() % 128, 0u);
  EXPECT_EQ(file.find_tensor("b")->offset, 128u);

  GgufWriter bad;
  bad.set_uint32("general.alignment", 48);
  EXPECT_NE(bad.to_bytes().status().message().find("not a nonzero power of two"), std::string::npos);
}

TEST(GgufRoundTrip, UnsupportedTensorTypesParseAndReportTheirType) {
  GgufWriter writer;
  ASSERT_TRUE(writer.add_tensor_source("blk.0.ffn_down.weight", 13, {256, 2},  // q5_K
                                       [](const GgufByteSink& sink) { return sink(pattern(176 * 2, 7)); })
                  .ok());
  ASSERT_TRUE(writer.add_tensor_source("blk.0.ffn_up.weight", 17, {256},  // iq2_xs
                                       [](const GgufByteSink& sink) { return sink(pattern(74, 8)); })
                  .ok());
  GgufFile file = parse_ok(*writer.to_bytes());
  const GgufTensorInfo& q5 = file.tensors()[0];
  EXPECT_EQ(q5.ggml_type, 13u);
  EXPECT_FALSE(q5.type.has_value());
  EXPECT_EQ(q5.size_bytes, 352u);
  Status status = q5.supported_type().status();
  EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
  EXPECT_NE(status.message().find("tensor 'blk.0.ffn_down.weight' has type q5_K; supported: f32"),
            std::string::npos)
      << status.message();
  EXPECT_EQ(file.tensors()[1].type_name(), "iq2_xs");
}

TEST(GgufRoundTrip, StreamedSourcesWriteInChunks) {
  GgufWriter writer;
  const std::vector<std::byte> data = pattern(34 * 4 * 8, 9);
  int calls = 0;
  ASSERT_TRUE(writer
                  .add_tensor_source("w", static_cast<uint32_t>(DType::kQ8_0), {128, 8},
                                     [&](const GgufByteSink& sink) -> Status {
                                       ++calls;
                                       for (size_t row = 0; row < 8; ++row) {
                                         TRY(sink(std::span(data).subspan(row * 136, 136)));
                                       }
                                       return Status::ok_status();
                                     })
                  .ok());
  const std::string path = ::testing::TempDir() + "/loom_gguf_stream_test.gguf";
  ASSERT_TRUE(writer.write(path).ok());
  EXPECT_EQ(calls, 1);
  Result<GgufFile> file = GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->path(), path);
  const GgufTensorInfo& info = file->tensors()[0];
  EXPECT_TRUE(std::equal(info.bytes().begin(), info.bytes().end(), data.begin(), data.end()));
  Result<MappedFile> on_disk = MappedFile::open(path);
  ASSERT_TRUE(on_disk.ok());
  EXPECT_EQ(*writer.to_bytes(), std::vector<std::byte>(on_disk->bytes().begin(), on_disk->bytes().end()));
  std::remove(path.c_str());
}

TEST(GgufRoundTrip, WriterRejectsBadTensors) {
  GgufWriter writer;
  auto message = [](const Status& status) { return status.message(); };
  EXPECT_NE(message(writer.add_tensor("a", DType::kF32, {4}, pattern(15, 0))).find("has 15 bytes of data"),
            std::string::npos);
  EXPECT_TRUE(writer.add_tensor("a", DType::kF32, {4}, pattern(16, 0)).ok());
  EXPECT_NE(message(writer.add_tensor("a", DType::kF32, {4}, pattern(16, 0))).find("added twice"),
            std::string::npos);
  EXPECT_NE(message(writer.add_tensor(std::string(64, 'x'), DType::kF32, {1}, pattern(4, 0))).find("at most 63"),
            std::string::npos);
  EXPECT_NE(message(writer.add_tensor("b", DType::kF32, {1, 1, 1, 1, 1}, pattern(4, 0))).find("5 dimensions"),
            std::string::npos);
  EXPECT_NE(message(writer.add_tensor("c", DType::kQ8_0, {33}, pattern(34, 0))).find("not a whole number"),
            std::string::npos);
  EXPECT_NE(message(writer.add_tensor("d", DType::kF32, {-1}, {})).find("negative"), std::string::npos);
  EXPECT_NE(message(writer.add_tensor_source("e", 4, {32}, nullptr)).find("unknown GGML type id 4"),
            std::string::npos);
  ASSERT_TRUE(writer
                  .add_tensor_source("short", 0, {4},
                                     [](const GgufByteSink& sink) { return sink(pattern(12, 0)); })
                  .ok());
  EXPECT_NE(message(writer.to_bytes().status()).find("'short': its source produced 12 bytes, expected 16"),
            std::string::npos);
  EXPECT_FALSE(writer.write("/nonexistent-dir/x.gguf").ok());
}

TEST(GgufRoundTrip, FromBytesOwnsItsBuffer) {
  GgufWriter writer;
  writer.set_string("general.name", "owned");
  Result<GgufFile> file = GgufFile::from_bytes(*writer.to_bytes());
  ASSERT_TRUE(file.ok());
  GgufFile moved = std::move(*file);  // the views survive moves of the file
  EXPECT_EQ(*moved.get_string("general.name"), "owned");
  EXPECT_EQ(moved.file_size(), writer.to_bytes()->size());
}

TEST(GgufRoundTrip, VersionTwoFilesParse) {
  GgufWriter writer;
  writer.set_uint32("k", 7);
  ASSERT_TRUE(writer.add_tensor("t", DType::kF32, {2}, pattern(8, 1)).ok());
  std::vector<std::byte> bytes = *writer.to_bytes();
  bytes[4] = std::byte{2};  // v2 and v3 share the little-endian layout
  GgufFile file = parse_ok(bytes);
  EXPECT_EQ(file.version(), 2u);
  EXPECT_EQ(*file.get_int("k"), 7);
}

}  // namespace
}  // namespace loom::model
