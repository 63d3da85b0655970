// Checks of numeric option values whose messages read well. CLI11's
// PositiveNumber and NonNegativeNumber answer "Value 0 not in range 0.000000
// to 1797693134862315708145274237317043567980705675258449965989174768031..."
// (the whole of DBL_MAX); these say "must be 1 or more, not 0". The help
// keeps CLI11's names for them (POSITIVE, NONNEGATIVE).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <string>

namespace loom::cli {

namespace checks_internal {

// A validator that rejects numbers below `least` (text that is no number at
// all is left to the option's type conversion, which names it).
inline CLI::Validator at_least(double least, const std::string& least_text, const std::string& name) {
  return CLI::Validator(
      [least, least_text](std::string& input) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(input.c_str(), &end);
        if (end == input.c_str() || *end != '\0') return {};
        return value < least ? "must be " + least_text + " or more, not " + input : std::string();
      },
      name, name);
}

}  // namespace checks_internal

// kPositive is for counts (integers of 1 or more); kNonNegative for any
// number; kAboveZero for reals such as a learning rate.
inline const CLI::Validator kPositive = checks_internal::at_least(1, "1", "POSITIVE");
inline const CLI::Validator kNonNegative = checks_internal::at_least(0, "0", "NONNEGATIVE");
inline const CLI::Validator kAboveZero(
    [](std::string& input) -> std::string {
      char* end = nullptr;
      const double value = std::strtod(input.c_str(), &end);
      if (end == input.c_str() || *end != '\0') return {};
      return value > 0 ? std::string() : "must be more than 0, not " + input;
    },
    "POSITIVE", "POSITIVE");

}  // namespace loom::cli
