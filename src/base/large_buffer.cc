// LargeBuffer (see large_buffer.h).
#include "base/large_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

namespace loom {

Result<LargeBuffer> LargeBuffer::allocate(size_t bytes) {
  LargeBuffer buffer;
  if (bytes == 0) return buffer;
  // Huge pages need 2 MiB alignment: map a little more, unmap the edges.
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t mapped = bytes + kHuge;
  void* memory = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return resource_exhausted("cannot allocate ", bytes, " bytes: ", std::strerror(errno));
  auto* start = static_cast<std::byte*>(memory);
  auto* aligned = reinterpret_cast<std::byte*>((reinterpret_cast<uintptr_t>(start) + kHuge - 1) / kHuge * kHuge);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t kept = (bytes + page - 1) / page * page;
  if (aligned > start) munmap(start, static_cast<size_t>(aligned - start));
  if (start + mapped > aligned + kept) munmap(aligned + kept, static_cast<size_t>(start + mapped - (aligned + kept)));
  // Advice only: without huge pages the buffer works, its first fill is slower.
  madvise(aligned, kept, MADV_HUGEPAGE);
  buffer.data_ = aligned;
  buffer.size_ = kept;
  return buffer;
}

LargeBuffer::~LargeBuffer() { reset(); }

LargeBuffer::LargeBuffer(LargeBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

LargeBuffer& LargeBuffer::operator=(LargeBuffer&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void LargeBuffer::reset() {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace loom
