#include "base/cpu_features.h"

#include <gtest/gtest.h>

namespace loom {
namespace {

TEST(CpuFeatures, LevelsAreOrdered) {
  EXPECT_TRUE(isa_supported(Isa::kScalar));
  if (isa_supported(Isa::kAvx512)) {
    EXPECT_TRUE(isa_supported(Isa::kAvx2));
  }
  EXPECT_TRUE(isa_supported(best_supported_isa()));
}

TEST(CpuFeatures, ParsesNames) {
  EXPECT_EQ(*parse_isa("avx2"), Isa::kAvx2);
  EXPECT_EQ(isa_name(*parse_isa("avx512")), "avx512");
  EXPECT_FALSE(parse_isa("sse9").ok());
  EXPECT_NE(cpu_description().find(std::string(isa_name(best_supported_isa()))), std::string::npos);
}

}  // namespace
}  // namespace loom
