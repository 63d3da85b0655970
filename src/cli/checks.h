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

// A validator that lets through numbers for which `accepts` holds and says
// "must be <requirement>, not <input>" for the others (text that is no
// number at all is left to the option's type conversion, which names it).
template <typename Accepts>
CLI::Validator number_check(Accepts accepts, const std::string& requirement, const std::string& name) {
  return CLI::Validator(
      [accepts, requirement](std::string& input) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(input.c_str(), &end);
        if (end == input.c_str() || *end != '\0' || accepts(value)) return {};
        return "must be " + requirement + ", not " + input;
      },
      name, name);
}

}  // namespace checks_internal

// kPositive is for counts (integers of 1 or more); kNonNegative for any
// number; kAboveZero for reals such as a learning rate.
inline const CLI::Validator kPositive =
    checks_internal::number_check([](double v) { return v >= 1; }, "1 or more", "POSITIVE");
inline const CLI::Validator kNonNegative =
    checks_internal::number_check([](double v) { return v >= 0; }, "0 or more", "NONNEGATIVE");
inline const CLI::Validator kAboveZero =
    checks_internal::number_check([](double v) { return v > 0; }, "more than 0", "POSITIVE");

}  // namespace loom::cli
