// LargeBuffer: writable anonymous memory for large, long-lived data (repacked
// weights), asking the kernel for transparent huge pages: filling hundreds of
// MB through 4 KiB page faults costs seconds at load time.
#pragma once

#include <cstddef>

#include "base/status.h"

namespace loom {

class LargeBuffer {
 public:
  LargeBuffer() = default;
  ~LargeBuffer();
  LargeBuffer(LargeBuffer&& other) noexcept;
  LargeBuffer& operator=(LargeBuffer&& other) noexcept;
  LargeBuffer(const LargeBuffer&) = delete;
  LargeBuffer& operator=(const LargeBuffer&) = delete;

  static Result<LargeBuffer> allocate(size_t bytes);

  std::byte* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void reset();
  std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace loom
